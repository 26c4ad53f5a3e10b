"""A minimal client of the OpenAI-compatible chat API (``POST {endpoint}/chat/completions``,
``GET {endpoint}/models``) on the standard library's urllib: one request at a time, a timeout,
no retries of its own (the caller decides), every failure one line.

Local servers (Ollama, llama.cpp's server, vLLM) speak this API; so do cloud services.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..errors import DeskAnnotatorError
from .llm_settings import EndpointSettings

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
_MAX_REPLY_BYTES = 32 * 1024 * 1024  # a reply larger than this is not a coding answer


class EndpointError(DeskAnnotatorError):
    """A request that failed. ``outcome`` is the short word stored in the audit trail;
    ``fatal`` means later requests would fail the same way (cannot connect, key refused), so
    a run stops; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, outcome: str, *, fatal: bool = False,
                 status: int | None = None, seconds: float = 0.0) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.fatal = fatal
        self.status = status
        self.seconds = seconds


@dataclass(frozen=True)
class ChatReply:
    content: str | None
    finish_reason: str | None
    seconds: float


def _opener(url: str) -> urllib.request.OpenerDirector:
    # A server on this machine is never reached through a proxy from the environment.
    if (urlsplit(url).hostname or "") in _LOOPBACK:
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _headers(settings: EndpointSettings) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "User-Agent": f"desk-annotator/{__version__}"}
    key = settings.api_key()
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _send(settings: EndpointSettings, url: str, body: bytes | None) -> tuple[Any, float]:
    request = urllib.request.Request(url, data=body, headers=_headers(settings),
                                     method="POST" if body is not None else "GET")
    began = time.monotonic()
    try:
        with _opener(url).open(request, timeout=settings.timeout_seconds) as response:
            raw = response.read(_MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        seconds = time.monotonic() - began
        detail = _error_detail(exc)
        fatal = exc.code in (401, 403, 404)
        raise EndpointError(f"{url}: HTTP {exc.code} {exc.reason}{detail}", f"http {exc.code}",
                            fatal=fatal, status=exc.code, seconds=seconds) from None
    except TimeoutError as exc:
        raise EndpointError(f"{url}: no answer within {settings.timeout_seconds:g} s",
                            "timeout", seconds=time.monotonic() - began) from exc
    except urllib.error.URLError as exc:
        seconds = time.monotonic() - began
        if isinstance(exc.reason, TimeoutError):
            raise EndpointError(f"{url}: no answer within {settings.timeout_seconds:g} s",
                                "timeout", seconds=seconds) from None
        raise EndpointError(f"cannot reach {url} ({exc.reason})", "unreachable", fatal=True,
                            seconds=seconds) from None
    except (OSError, ValueError) as exc:  # connection reset mid-reply, a malformed URL...
        raise EndpointError(f"{url}: {exc}", "unreachable", fatal=True,
                            seconds=time.monotonic() - began) from None
    seconds = time.monotonic() - began
    if len(raw) > _MAX_REPLY_BYTES:
        raise EndpointError(f"{url}: the reply is larger than {_MAX_REPLY_BYTES >> 20} MB",
                            "bad reply", seconds=seconds)
    try:
        return json.loads(raw.decode("utf-8")), seconds
    except (UnicodeDecodeError, ValueError):
        raise EndpointError(f"{url}: the reply is not JSON", "bad reply",
                            seconds=seconds) from None


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(2000).decode("utf-8", "replace")
        message = json.loads(text).get("error", text)
        if isinstance(message, dict):
            message = message.get("message", "")
    except (OSError, ValueError, AttributeError):
        return ""
    message = " ".join(str(message).split())[:200]
    return f": {message}" if message else ""


def chat_request_body(settings: EndpointSettings, messages: list[dict[str, str]],
                      response_format: dict[str, Any] | None) -> dict[str, Any]:
    """The request as sent: temperature 0 and the configured seed, always."""
    body: dict[str, Any] = {"model": settings.model, "messages": messages, "temperature": 0,
                            "seed": settings.seed, "max_tokens": settings.max_tokens,
                            "stream": False}
    if response_format is not None:
        body["response_format"] = response_format
    return body


def chat(settings: EndpointSettings, body: dict[str, Any]) -> ChatReply:
    url = f"{settings.endpoint}/chat/completions"
    data, seconds = _send(settings, url, json.dumps(body, ensure_ascii=False).encode("utf-8"))
    try:
        choice = data["choices"][0]
        content = choice["message"].get("content")
        finish = choice.get("finish_reason")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise EndpointError(f"{url}: the reply is not a chat completion", "bad reply",
                            seconds=seconds) from None
    if content is not None and not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False)
    return ChatReply(content, finish, seconds)


def list_models(settings: EndpointSettings) -> list[str]:
    """The model ids the endpoint offers (its ``/models`` list)."""
    url = f"{settings.endpoint}/models"
    data, _ = _send(settings, url, None)
    try:
        return [str(m["id"]) for m in data["data"]]
    except (KeyError, TypeError):
        raise EndpointError(f"{url}: the reply is not a model list", "bad reply") from None
