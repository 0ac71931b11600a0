"""Generation backends behind one small interface: ``generate(case, system, user) -> str`` plus
``name``, ``model`` and ``params`` (recorded in every output row)."""

from __future__ import annotations

import base64
import os
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


class OpenAIBackend:
    """Any OpenAI-compatible chat-completions server (vLLM, SGLang, Ollama, LM Studio, hosted
    APIs) through the ``openai`` client; images go as base64 data URLs. Transient failures
    (connection, timeout, 429, 5xx) are retried with exponential backoff."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 120.0,
        retries: int = 3,
        backoff: float = 1.0,
        temperature: float = 0.0,
        top_p: float = 1.0,
        max_tokens: int = 1024,
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
        self.client = openai.OpenAI(base_url=base_url, api_key=key, timeout=timeout, max_retries=0)
        self.model = model
        self.retries = retries
        self.backoff = backoff
        self.params = {
            "temperature": temperature,
            "top_p": top_p,
            "max_tokens": max_tokens,
            "timeout_s": timeout,
        }

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
        for attempt in range(self.retries + 1):
            try:
                response = self.client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    temperature=self.params["temperature"],
                    top_p=self.params["top_p"],
                    max_tokens=self.params["max_tokens"],
                )
                return response.choices[0].message.content or ""
            except transient:
                if attempt == self.retries:
                    raise
                time.sleep(self.backoff * 2**attempt)
        raise RuntimeError("unreachable")  # pragma: no cover


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
