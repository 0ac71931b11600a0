"""Extraction in a helper process, so that a second CPU core extracts part of a batch while the
calling process does other work (``Scorer(workers=2)``).

The helper is a fresh interpreter running :func:`serve`: it builds its own :class:`Extractor`
from the caller's settings (same code, same lexicons, so the same labels) and answers requests
over its stdin/stdout, each message a length-prefixed pickle; before importing anything it
points file descriptor 1 at stderr, so that nothing printed can corrupt a message. It exits
when its stdin closes, so it never outlives the process that started it. A separate
interpreter, not a fork: nothing of the caller's threads or state is copied, and no
``__main__`` module is re-imported.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

_HEADER = struct.Struct("<Q")
_MAX_MESSAGE = 1 << 32  # a larger length means the stream is corrupt, not a big answer
# The helper's first bytes on its channel: whatever an interpreter prints at start-up (a
# sitecustomize, a .pth file) comes before them and is skipped.
_MAGIC = b"\x00pet2rep-helper\x00"
_MAX_JUNK = 1 << 20
# messages go out on a copy of the original stdout; fd 1 itself (print, C libraries) goes to
# stderr from the first line on, imports included
_BOOTSTRAP = (
    "import os, sys; channel = os.dup(1); os.dup2(2, 1); "
    "from pet2rep_metrics.extract.worker import serve; serve(channel)"
)


class HelperError(RuntimeError):
    """The helper process failed or went away; the caller should extract in-process."""


def _send(stream: BinaryIO, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _skip_to_magic(stream: BinaryIO) -> None:
    seen = b""
    for _ in range(_MAX_JUNK):
        byte = stream.read(1)
        if not byte:
            raise EOFError
        seen = (seen + byte)[-len(_MAGIC) :]
        if seen == _MAGIC:
            return
    raise ValueError("no greeting from the helper")


def _receive(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    if size > _MAX_MESSAGE:
        raise ValueError(f"corrupt message header (length {size})")
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)


class ExtractionHelper:
    """One helper process extracting organ x state labels; one request in flight at a time.

    ``settings``: the keyword arguments of :class:`Extractor` (plain values). The process
    starts at once and builds its pipelines in the background; :meth:`submit` may be called
    before it is ready (the request waits in the pipe).
    """

    def __init__(self, settings: dict[str, Any]):
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
        # kept for the error message should the helper fail (a file cannot fill up and block)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._last_message = ""
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=env,
            )
        except OSError as exc:
            self._stderr.close()
            raise HelperError(f"the extraction helper could not start: {exc}") from exc
        self._writer: threading.Thread | None = None
        self._write_error: BaseException | None = None
        self._pending = False
        self._ready = False
        self._stuck_after: float | None = None
        self._send_in_background(settings)

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def _send_in_background(self, message: Any) -> None:
        # a large request fills the pipe until the helper reads it: write from a thread so
        # that the caller goes on with its own share meanwhile
        def write() -> None:
            try:
                _send(self._process.stdin, message)
            except BaseException as exc:  # reported by result()
                self._write_error = exc

        self._writer = threading.Thread(target=write, name="pet2rep-helper-writer", daemon=True)
        self._writer.start()

    def wait_ready(self) -> None:
        """Block until the helper has built its pipelines; :class:`HelperError` when it could
        not (the helper is then closed)."""
        if self._ready:
            return
        self._join_writer()
        self._answer("while starting", _skip_to_magic)
        status, payload = self._answer("while starting")
        if status != "ready":
            self.close()
            raise HelperError(f"the extraction helper could not start: {payload}")
        self._ready = True

    def submit(self, texts: Sequence[str], language: str | None) -> None:
        """Send ``texts`` for extraction; collect the labels with :meth:`result`."""
        if self._pending:
            raise RuntimeError("the helper already has a request in flight")
        self._join_writer()
        self._pending = True
        self._send_in_background((list(texts), language))

    def result(self, timeout: float | None = None) -> list[dict[str, list[str]]]:
        """The labels of the submitted texts, in order. Raises :class:`HelperError` when the
        helper failed or gave no answer within ``timeout`` seconds (a stopped or stuck helper is
        killed); the helper is then closed."""
        if not self._pending:
            raise RuntimeError("nothing was submitted")
        self._pending = False
        watchdog = None
        if timeout is not None:
            watchdog = threading.Timer(timeout, self._kill_stuck, args=(timeout,))
            watchdog.daemon = True
            watchdog.start()
        try:
            return self._collect()
        finally:
            if watchdog is not None:
                watchdog.cancel()

    def _kill_stuck(self, timeout: float) -> None:
        self._stuck_after = timeout
        with contextlib.suppress(OSError):
            self._process.kill()

    def _collect(self) -> list[dict[str, list[str]]]:
        self.wait_ready()
        self._join_writer()
        if self._write_error is not None:
            self._fail(f"before taking the request ({self._write_error})")
        status, payload = self._answer("with a request in flight")
        if status != "ok":
            self.close()
            raise HelperError(f"the extraction helper failed: {payload}")
        return payload

    def _join_writer(self) -> None:
        if self._writer is not None:
            self._writer.join()

    def _answer(self, when: str, read: Callable[[BinaryIO], Any] = _receive) -> Any:
        try:
            return read(self._process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError, ValueError) as exc:
            self._fail(f"{when} ({type(exc).__name__})")

    def _fail(self, detail: str) -> NoReturn:
        self.close()
        if self._stuck_after is not None:
            detail += f": no answer within {self._stuck_after:g} s, killed"
        message = f"the extraction helper exited (code {self._process.returncode}) {detail}"
        if self._last_message:
            message += f"; its last message: {self._last_message}"
        raise HelperError(message)

    def close(self) -> None:
        """Stop the helper (it exits when its stdin closes)."""
        if self._process.stdin and not self._process.stdin.closed:
            with contextlib.suppress(OSError):  # a helper that died leaves a broken pipe
                self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout and not self._process.stdout.closed:
            self._process.stdout.close()
        if not self._stderr.closed:
            with contextlib.suppress(OSError):
                self._stderr.seek(0)
                lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
                self._last_message = lines[-1] if lines else ""
            self._stderr.close()


def _serve(inbox: BinaryIO, outbox: BinaryIO) -> None:
    from .lexicon import LANGUAGES
    from .pipeline import Extractor

    settings = _receive(inbox)
    try:
        extractor = Extractor(**settings)
        for language in [settings.get("language")] if settings.get("language") else LANGUAGES:
            extractor("", language=language)  # pipelines built and run once
    except Exception as exc:
        _send(outbox, ("error", f"{type(exc).__name__}: {exc}"))
        return
    _send(outbox, ("ready", None))
    while True:
        try:
            texts, language = _receive(inbox)
        except EOFError:
            return
        try:
            labels = [
                table.labels for table in extractor.pipe(texts, language=language, findings=False)
            ]
        except Exception as exc:
            _send(outbox, ("error", f"{type(exc).__name__}: {exc}"))
        else:
            _send(outbox, ("ok", labels))


def serve(channel: int) -> None:
    """The helper's main loop (see the module docstring); ``channel``: the descriptor its
    answers go to."""
    with os.fdopen(channel, "wb") as outbox:
        outbox.write(_MAGIC)
        _serve(sys.stdin.buffer, outbox)
