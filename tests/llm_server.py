"""A small OpenAI-compatible HTTP server for the LLM engine's tests (issue 13).

It listens on 127.0.0.1 on a free port, in a thread, and serves ``POST /v1/chat/completions``
and ``GET /v1/models``. Each chat request gets the next scripted :class:`Reply` (the last one
repeats when the script runs out); every request is kept (path, headers, parsed body) so a test
can check what was really sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None  # the assistant message's content
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering (a slow model)
    finish_reason: str = "stop"


def answer(passages: list[dict[str, Any]]) -> Reply:
    """A well-formed answer proposing ``passages``."""
    return Reply(json.dumps({"passages": passages}, ensure_ascii=False))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None


class ScriptedServer:
    def __init__(self, script: list[Reply] | None = None,
                 models: tuple[str, ...] = ("test-model",),
                 refuse_response_format: bool = False) -> None:
        # Answer HTTP 400 to a request carrying response_format (a server without it).
        self.refuse_response_format = refuse_response_format
        self.script = list(script or [answer([])])
        self.models = models
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:  # noqa: PYI034
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    @property
    def chat_requests(self) -> list[Received]:
        return [r for r in self.received if r.path.endswith("/chat/completions")]

    def _next(self) -> Reply:
        with self._lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet tests
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def _keep(self, body: dict[str, Any] | None) -> None:
                with server._lock:
                    server.received.append(Received(self.path, dict(self.headers.items()), body))

            def do_GET(self) -> None:
                self._keep(None)
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [
                        {"id": m, "object": "model", "owned_by": "test"} for m in server.models]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                self._keep(body)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                if server.refuse_response_format and body and "response_format" in body:
                    self._send(400, {"error": {"message": "response_format is not supported"}})
                    return
                reply = server._next()
                if reply.delay:
                    server._stopping.wait(reply.delay)
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": "scripted failure"}})
                    return
                self._send(200, {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                    "model": (body or {}).get("model", "?"),
                    "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                                 "message": {"role": "assistant", "content": reply.content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        return Handler
