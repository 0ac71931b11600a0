"""Generation backends behind one small interface: ``generate(case, system, user) -> str`` plus
``name``, ``model`` and ``params`` (recorded in every output row)."""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from .manifest import Case
from .prompts import IMAGE_PLACEHOLDER, template_from_prompt
from .templates import default_template


class Backend(Protocol):
    name: str
    model: str | None
    params: dict[str, Any]

    def generate(self, case: Case, system: str | None, user: str) -> str: ...


class BackendError(RuntimeError):
    """A backend cannot be set up (missing package, key or model)."""


_MIME = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"BM": "image/bmp",
    b"RIFF": "image/webp",
}


def data_url(image: Path) -> str:
    """The image as a base64 data URL (what OpenAI-compatible servers take)."""
    data = image.read_bytes()
    mime = next(
        (m for magic, m in _MIME.items() if data.startswith(magic)), "application/octet-stream"
    )
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


class TemplateBackend:
    """No model: the manifest prompt's example report, or the project's default template."""

    name = "template"
    model = None

    def __init__(self, language: str = "zh"):
        self.language = language
        self.params: dict[str, Any] = {}

    def generate(self, case: Case, system: str | None, user: str) -> str:
        return template_from_prompt(case.prompt_user) or default_template(
            case.language or self.language
        )


class _Server:
    """One server of a fleet: its client, how many requests it has in flight, and until when it
    is set aside after a transient failure."""

    def __init__(self, url: str | None, client: Any):
        self.url = url
        self.client = client
        self.in_flight = 0
        self.failures = 0
        self.down_until = 0.0


class _Fleet:
    """Spreads requests over servers: each at most ``per_server`` requests at a time, the least
    loaded healthy one first; a server that fails transiently is set aside for a while (longer
    after each failure in a row) and its request goes to another one."""

    def __init__(self, servers: list[_Server], per_server: int, cooldown: float = 2.0):
        self.servers = servers
        self.per_server = max(1, per_server)
        self.cooldown = cooldown
        self._ready = threading.Condition()

    def acquire(self, avoid: _Server | None = None) -> _Server:
        with self._ready:
            while True:
                now = time.monotonic()
                open_ = [s for s in self.servers if s.in_flight < self.per_server]
                healthy = [s for s in open_ if s.down_until <= now and s is not avoid] or [
                    s for s in open_ if s.down_until <= now
                ]
                if healthy:
                    server = min(healthy, key=lambda s: s.in_flight)
                    server.in_flight += 1
                    return server
                waits = [s.down_until - now for s in open_ if s.down_until > now]
                self._ready.wait(timeout=min(waits) if waits else None)

    def release(self, server: _Server, failed: bool) -> None:
        with self._ready:
            server.in_flight -= 1
            if failed:
                server.failures += 1
                server.down_until = time.monotonic() + self.cooldown * 2 ** (server.failures - 1)
            else:
                server.failures = 0
            self._ready.notify_all()


class OpenAIBackend:
    """Any OpenAI-compatible chat-completions server (vLLM, SGLang, Ollama, LM Studio, hosted
    APIs) through the ``openai`` client; images go as base64 data URLs. Transient failures
    (connection, timeout, 429, 5xx) are retried with exponential backoff.

    ``base_url`` may name several servers (a list, or URLs separated by commas): requests are
    spread over them, ``concurrency`` at a time per server, and a request that fails
    transiently on one server is retried on another (failover)."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | list[str] | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 120.0,
        retries: int = 3,
        backoff: float = 1.0,
        temperature: float = 0.0,
        top_p: float = 1.0,
        max_tokens: int = 1024,
        concurrency: int = 4,
    ):
        try:
            import openai
        except ImportError as exc:
            raise BackendError(
                "the openai backend needs the openai package: pip install 'pet2rep-metrics[generate]'"
            ) from exc
        key = os.environ.get(api_key_env)
        if key is None:
            if base_url is None:
                raise BackendError(
                    f"no API key: set {api_key_env} (or --api-key-env NAME), or give --base-url for a local server"
                )
            key = "EMPTY"  # local servers (vLLM, Ollama) accept any key
        self._openai = openai
        urls = _server_urls(base_url)
        self.fleet = _Fleet(
            [
                _Server(
                    url, openai.OpenAI(base_url=url, api_key=key, timeout=timeout, max_retries=0)
                )
                for url in urls
            ],
            per_server=concurrency,
        )
        self.client = self.fleet.servers[0].client
        self.model = model
        self.retries = retries
        self.backoff = backoff
        self.params = {
            "temperature": temperature,
            "top_p": top_p,
            "max_tokens": max_tokens,
            "timeout_s": timeout,
        }
        if len(urls) > 1:
            self.params["servers"] = urls

    @property
    def concurrency(self) -> int:
        """Requests the runner may have in flight: per-server concurrency times servers."""
        return self.fleet.per_server * len(self.fleet.servers)

    def generate(self, case: Case, system: str | None, user: str) -> str:
        parts = user.split(IMAGE_PLACEHOLDER)
        content: list[dict[str, Any]] = []
        for k, text in enumerate(parts):
            if text:
                content.append({"type": "text", "text": text})
            if k < len(parts) - 1 and k < len(case.images):
                content.append(
                    {"type": "image_url", "image_url": {"url": data_url(case.images[k])}}
                )
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": content})
        transient = (
            self._openai.APIConnectionError,
            self._openai.APITimeoutError,
            self._openai.RateLimitError,
            self._openai.InternalServerError,
        )
        single = len(self.fleet.servers) == 1
        last: _Server | None = None
        for attempt in range(self.retries + 1):
            server = self.fleet.acquire(avoid=last)
            failed = False
            try:
                response = server.client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    temperature=self.params["temperature"],
                    top_p=self.params["top_p"],
                    max_tokens=self.params["max_tokens"],
                )
                return response.choices[0].message.content or ""
            except transient:
                failed = not single  # one server: plain backoff below, nothing to set aside
                if attempt == self.retries:
                    raise
            finally:
                self.fleet.release(server, failed)
            last = server
            if single:
                time.sleep(self.backoff * 2**attempt)
        raise RuntimeError("unreachable")  # pragma: no cover


def _server_urls(base_url: str | list[str] | None) -> list[str | None]:
    """The servers named: a list, URLs separated by commas, or None (the API's default)."""
    if base_url is None:
        return [None]
    raw = [base_url] if isinstance(base_url, str) else list(base_url)
    urls = [u.strip() for item in raw for u in item.split(",") if u.strip()]
    if not urls:
        raise BackendError("--base-url names no server")
    return list(dict.fromkeys(urls))


class TransformersBackend:
    """A local image-text-to-text model (AutoProcessor + AutoModelForImageTextToText); device and
    dtype chosen automatically; greedy unless a temperature is given."""

    name = "transformers"

    def __init__(
        self,
        model: str,
        device: str | None = None,
        max_new_tokens: int = 1024,
        temperature: float = 0.0,
    ):
        try:
            import torch
            from transformers import AutoModelForImageTextToText, AutoProcessor
        except ImportError as exc:
            raise BackendError(
                "the transformers backend needs torch and transformers: pip install 'pet2rep-metrics[bertscore]'"
            ) from exc
        self.torch = torch
        self.device = device or (
            "cuda"
            if torch.cuda.is_available()
            else "mps"
            if torch.backends.mps.is_available()
            else "cpu"
        )
        dtype = (
            torch.bfloat16
            if self.device == "cuda" and torch.cuda.is_bf16_supported()
            else (torch.float16 if self.device != "cpu" else torch.float32)
        )
        try:
            self.processor = AutoProcessor.from_pretrained(model)
            try:
                loaded = AutoModelForImageTextToText.from_pretrained(model, dtype=dtype)
            except TypeError:  # transformers before the dtype keyword
                loaded = AutoModelForImageTextToText.from_pretrained(model, torch_dtype=dtype)
            self.model_obj = loaded.to(self.device).eval()
        except OSError as exc:
            raise BackendError(
                f"model {model!r} could not be loaded (offline or not an image-text-to-text model): {exc}"
            ) from exc
        self.model = model
        self.params = {
            "max_new_tokens": max_new_tokens,
            "temperature": temperature,
            "do_sample": temperature > 0,
            "device": self.device,
            "dtype": str(dtype),
        }

    def generate(self, case: Case, system: str | None, user: str) -> str:
        from PIL import Image

        content: list[dict[str, Any]] = []
        parts = user.split(IMAGE_PLACEHOLDER)
        for k, text in enumerate(parts):
            if text:
                content.append({"type": "text", "text": text})
            if k < len(parts) - 1:
                content.append({"type": "image"})
        messages = (
            [{"role": "system", "content": [{"type": "text", "text": system}]}] if system else []
        ) + [{"role": "user", "content": content}]
        prompt = self.processor.apply_chat_template(messages, add_generation_prompt=True)
        images = [Image.open(p).convert("RGB") for p in case.images]
        inputs = self.processor(text=[prompt], images=images or None, return_tensors="pt").to(
            self.device
        )
        options = {
            "max_new_tokens": self.params["max_new_tokens"],
            "do_sample": self.params["do_sample"],
        }
        if self.params["do_sample"]:
            options["temperature"] = self.params["temperature"]
        with self.torch.inference_mode():
            output = self.model_obj.generate(**inputs, **options)
        new_tokens = output[0, inputs["input_ids"].shape[1] :]
        return self.processor.decode(new_tokens, skip_special_tokens=True).strip()
