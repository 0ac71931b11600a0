"""Errors the commands turn into one line and exit code 2 (besides :class:`~.io.InputError`)."""


class MetricUnavailable(RuntimeError):
    """A metric cannot run here: an optional package, a model or a program (Java) is missing.
    The message says what to install or pass."""
