"""The two local HTTP servers: the gateway (the template's HttpApi routes) and the AWS endpoint
(the EventBridge and SQS calls the functions make, in botocore's JSON wire protocols)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from infra.local.bus import LocalBus
from infra.local.lambda_runtime import http_api_event
from infra.local.queues import QueueStore
from infra.local.template import Route

log = logging.getLogger("local.http")

NOT_FOUND = b'{"message":"Not Found"}'


class _Handler(BaseHTTPRequestHandler):
    server_version = "kring-local"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # one line per request is logged by the handlers themselves

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        cookies: list[str] | None = None,
    ) -> None:
        self.send_response(status)
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        for name, value in sent.items():
            if name not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        for cookie in cookies or []:
            self.send_header("set-cookie", cookie)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], Any],
        ready: Callable[[], bool],
    ) -> None:
        self.routes = routes
        self.invoke = invoke
        self.ready = ready
        super().__init__(address, _GatewayHandler)


class _GatewayHandler(_Handler):
    server: GatewayServer

    def _serve(self) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        body = self._body()
        status = self._dispatch(parts.path, parts.query, body)
        log.info(
            "%s %s → %d (%.0f ms)", self.command, parts.path, status, (time.monotonic() - started) * 1000
        )

    def _dispatch(self, path: str, query: str, body: bytes) -> int:
        if path == "/healthz" and self.command in ("GET", "HEAD"):
            ok = self.server.ready()
            self._send(
                200 if ok else 503,
                b'{"ok":true}' if ok else b'{"ok":false}',
                {"content-type": "application/json"},
            )
            return 200 if ok else 503
        for route in self.server.routes:
            match = route.regex.match(path)
            if match and route.method in ("ANY", self.command):
                event = http_api_event(
                    self.command,
                    path,
                    route_key=route.route_key,
                    path_parameters=match.groupdict() or None,
                    query=query,
                    headers=dict(self.headers.items()),
                    body=body,
                    source_ip=self.client_address[0],
                )
                try:
                    response = self.server.invoke(route.function, event)
                except Exception:
                    log.exception("%s raised", route.function)
                    self._send(
                        500, b'{"message":"Internal Server Error"}', {"content-type": "application/json"}
                    )
                    return 500
                return self._respond(response)
        self._send(404, NOT_FOUND, {"content-type": "application/json"})
        return 404

    def _respond(self, response: Any) -> int:
        if not isinstance(response, dict) or "statusCode" not in response:
            payload = json.dumps(response).encode()
            self._send(200, payload, {"content-type": "application/json"})
            return 200
        raw = response.get("body") or ""
        body = base64.b64decode(raw) if response.get("isBase64Encoded") else str(raw).encode()
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        status = int(response["statusCode"])
        self._send(status, body, headers, response.get("cookies"))
        return status

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class AwsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], bus: Callable[[], LocalBus], queues: QueueStore) -> None:
        self.bus = bus
        self.queues = queues
        super().__init__(address, _AwsHandler)


class _AwsHandler(_Handler):
    server: AwsServer

    def do_POST(self) -> None:
        target = self.headers.get("x-amz-target", "")
        try:
            request = json.loads(self._body() or b"{}")
            operation = {
                "AWSEvents.PutEvents": self._put_events,
                "AmazonSQS.SendMessage": self._send_message,
                "AmazonSQS.SendMessageBatch": self._send_message_batch,
            }.get(target)
            if operation is None:
                return self._error(400, "UnknownOperationException", f"{target} is not emulated locally")
            result = operation(request)
        except KeyError as exc:
            return self._error(400, "InvalidParameterValue", f"missing or unknown {exc}")
        except ValueError as exc:
            return self._error(400, "InvalidParameterValue", str(exc))
        self._send(200, json.dumps(result).encode(), {"content-type": "application/x-amz-json-1.1"})
        return None

    def _error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"__type": code, "message": message}).encode()
        self._send(
            status,
            body,
            {"content-type": "application/x-amz-json-1.1", "x-amzn-query-error": f"{code};Sender"},
        )

    def _put_events(self, request: dict[str, Any]) -> dict[str, Any]:
        entries = self.server.bus().put_events(request["Entries"])
        failed = sum(1 for e in entries if "ErrorCode" in e)
        log.info("PutEvents: %d entries, %d failed", len(entries), failed)
        return {"FailedEntryCount": failed, "Entries": entries}

    def _enqueue(self, queue_url: str, entry: dict[str, Any]) -> dict[str, Any]:
        name = queue_url.rstrip("/").rsplit("/", 1)[-1]
        body = entry["MessageBody"]
        message = self.server.queues.send(
            name,
            body,
            group_id=entry.get("MessageGroupId"),
            dedup_id=entry.get("MessageDeduplicationId"),
            delay_seconds=int(entry.get("DelaySeconds", 0)),
        )
        result = {
            "MessageId": message.id if message else "deduplicated",
            "MD5OfMessageBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - what SQS answers
        }
        if message and message.group_id:
            result["SequenceNumber"] = str(message.sequence).zfill(20)
        return result

    def _send_message(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._enqueue(request["QueueUrl"], request)

    def _send_message_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        successful = [{"Id": e["Id"], **self._enqueue(request["QueueUrl"], e)} for e in request["Entries"]]
        return {"Successful": successful, "Failed": []}
