"""A small OpenAI-compatible HTTP server on 127.0.0.1 that can inject faults, for tests and demos.

It answers ``POST /v1/chat/completions`` and ``/v1/completions`` with a deterministic text (a
hash of the model, prompt, seed and sampling parameters), so a run against a faulty server can be
compared with a fault-free run. With ``fault_rate > 0`` each attempt is, with that probability,
answered by one of the faults in :data:`FAULTS` instead:

``429`` (with ``Retry-After``), ``500``, ``503``, ``slow`` (a valid reply after ``slow_seconds``,
past the client's timeout), ``drop`` (the connection is closed without a reply), ``truncated`` (the
body stops half-way), ``malformed`` (a 200 whose body is not the API's JSON).

Counters (``served`` per request, ``faults`` per kind) let a test prove that every request was
answered and how often the teacher was really called. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("429", "500", "503", "slow", "drop", "truncated", "malformed")


def answer_text(body: dict[str, Any]) -> str:
    """The deterministic reply for a request body (what a fault-free server returns)."""
    prompt = body.get("prompt") if "prompt" in body else json.dumps(body.get("messages"), sort_keys=True)
    key = json.dumps([body.get("model"), prompt, body.get("seed"), body.get("temperature"), body.get("top_p"),
                      body.get("max_tokens")], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"reply {digest} to {str(prompt)[-24:]}"


def request_id(body: dict[str, Any]) -> str:
    """Identity of a request body, to count how often the same request was served."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class FaultyServer:
    """Start with :meth:`start` (or use as a context manager); ``base_url`` ends in ``/v1``."""

    def __init__(self, fault_rate: float = 0.0, faults: tuple[str, ...] = FAULTS, seed: int = 0,
                 slow_seconds: float = 1.0, retry_after: str = "0", latency: float = 0.0):
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; choose from {FAULTS}")
        self.fault_rate = fault_rate
        self.faults = faults
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.latency = latency
        self.served: Counter[str] = Counter()
        self.fault_counts: Counter[str] = Counter()
        self.headers_seen: list[dict[str, str]] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def calls(self) -> int:
        """Valid answers sent (each is one real teacher call)."""
        return sum(self.served.values())

    def start(self) -> FaultyServer:
        """Bind a free port on 127.0.0.1 and serve from a daemon thread."""
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FaultyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pick_fault(self) -> str | None:
        """Draw the fate of one attempt: None (a valid reply) or a fault kind."""
        with self._lock:
            if self._random.random() < self.fault_rate:
                kind = self._random.choice(self.faults)
                self.fault_counts[kind] += 1
                return kind
        return None


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 makes bursts of connections wait for a SYN retry (1 s)
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients that vanish (killed, timed out) are part of the tests, not errors


def _completion(body: dict[str, Any]) -> dict[str, Any]:
    text = answer_text(body)
    prompt = body.get("prompt") or " ".join(m.get("content", "") for m in body.get("messages") or [])
    usage = {"prompt_tokens": len(str(prompt).split()), "completion_tokens": len(text.split())}
    if "messages" in body:
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        return {"object": "chat.completion", "model": body.get("model"), "choices": [choice], "usage": usage}
    choice = {"index": 0, "text": text, "finish_reason": "stop"}
    return {"object": "text_completion", "model": body.get("model"), "choices": [choice], "usage": usage}


def _handler(server: FaultyServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if len(raw) < length or not raw:  # the client vanished mid-request (killed): nothing to answer
                self.close_connection = True
                return
            body = json.loads(raw)
            with server._lock:
                server.headers_seen.append(dict(self.headers))
            if self.path not in ("/v1/chat/completions", "/v1/completions"):
                return self._send(404, b'{"error": {"message": "unknown path"}}')
            if server.latency:
                time.sleep(server.latency)
            fault = server.pick_fault()
            payload = json.dumps(_completion(body)).encode()
            if fault is None:
                with server._lock:  # counted before sending, so a client never sees an uncounted reply
                    server.served[request_id(body)] += 1
                self._send(200, payload)
            else:
                self._fault(fault, payload)

        def _fault(self, kind: str, payload: bytes) -> None:
            if kind == "429":
                self._send(429, b'{"error": {"message": "rate limited"}}', {"Retry-After": server.retry_after})
            elif kind in ("500", "503"):
                self._send(int(kind), b'{"error": {"message": "server error"}}')
            elif kind == "slow":
                time.sleep(server.slow_seconds)
                self._send(200, payload)  # too late: the client has given up
            elif kind == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif kind == "truncated":
                self.close_connection = True
                self._send(200, payload[: len(payload) // 2], length=len(payload))
            elif kind == "malformed":
                self._send(200, b'{"choices": [{"text": 42}], "oops": ' if len(payload) % 2 else b'{"id": "x"}')

        def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None,
                  length: int | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data) if length is None else length))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
