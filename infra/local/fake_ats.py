"""A local fake of the ATS APIs Kring calls back: a real HTTP server on 127.0.0.1 answering canned
JSON, for the tests of each provider's API client and for the local stack's pollers and fetches.

    fake = FakeAtsApi().start()
    fake.add("GET", "/v1/opportunities/abc", {"data": {...}})
    fake.add("GET", "/v1/stages/s1", status=503)        # one failure, then …
    fake.add("GET", "/v1/stages/s1", {"data": {...}})   # … the answer (answers are used in order)
    LeverApi(fake.url + "/v1", ...)
    fake.requests  # every request seen: method, path, query, headers, body

An answer added once is used once, except the last answer of a route, which is kept: a test that
adds a single answer gets it on every call. Routes match the path exactly (query ignored, unless
the route was added with one). An unknown route is a 404 with a JSON body, as real APIs answer.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeAtsApi:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host, self._port = host, port
        self._answers: dict[tuple[str, str], deque[Answer]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.requests: list[SeenRequest] = []
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------------ set-up
    def add(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> FakeAtsApi:
        with self._lock:
            self._answers[(method.upper(), path)].append(Answer(status, body, headers or {}))
        return self

    def replace(self, method: str, path: str, body: Any = None, *, status: int = 200) -> FakeAtsApi:
        with self._lock:
            self._answers[(method.upper(), path)] = deque([Answer(status, body)])
        return self

    def reset(self) -> None:
        with self._lock:
            self._answers.clear()
            self.requests.clear()

    # ------------------------------------------------------------------------ the server
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeAtsApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body are two writes: send each at once

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                split = urlsplit(self.path)
                answer = fake._answer(self.command, split.path, split.query)
                with fake._lock:
                    fake.requests.append(
                        SeenRequest(
                            method=self.command,
                            path=split.path,
                            query=parse_qs(split.query),
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve
            do_PUT = _serve

        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-ats-api",
            daemon=True,
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAtsApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, method: str, path: str, query: str) -> Answer:
        with self._lock:
            for key in ((method, f"{path}?{query}"), (method, path)) if query else ((method, path),):
                queue = self._answers.get(key)
                if queue:
                    return queue.popleft() if len(queue) > 1 else queue[0]
        return Answer(404, {"error": "not found", "path": path})
