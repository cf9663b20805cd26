"""The two local HTTP servers: the gateway (the template's HttpApi routes) and the AWS endpoint
(the EventBridge and SQS calls the functions make, in botocore's JSON wire protocols)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

from infra.local.bus import LocalBus
from infra.local.dlq import back_to_source
from infra.local.lambda_runtime import http_api_event
from infra.local.outbox import OUTBOX_PAGE, SES_SEND_PATH, Outbox, SesRefusal
from infra.local.queues import DEAD_LETTER_REASON, QueueStore
from infra.local.template import ACCOUNT, REGION, Route

log = logging.getLogger("local.http")

NOT_FOUND = b'{"message":"Not Found"}'


class _Handler(BaseHTTPRequestHandler):
    server_version = "kring-local"
    protocol_version = "HTTP/1.1"
    # Small answers go out at once: with Nagle's algorithm a write that follows an unacknowledged
    # one waits for the client's delayed ACK (~40 ms on a kept-alive connection).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # one line per request is logged by the handlers themselves

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._chunked_body()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _chunked_body(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers, then the blank line
            pass
        return b"".join(chunks)

    def _request_headers(self) -> dict[str, str]:
        """Repeated headers joined with commas, as API Gateway passes them on."""
        joined: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            separator = "; " if key == "cookie" else ","
            joined[key] = f"{joined[key]}{separator}{value}" if key in joined else value
        return joined

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
        # The status line, the headers and the body in one write (see disable_nagle_algorithm).
        head: list[bytes] | None = getattr(self, "_headers_buffer", None)
        if head is None:  # an HTTP/0.9 request: no status line, no headers
            self.wfile.write(body)
            return
        head.append(b"\r\n")
        if self.command != "HEAD":
            head.append(body)
        self.flush_headers()


@dataclass(frozen=True)
class Health:
    """What ``GET /healthz`` says: ``ready`` (200), or ``loading`` / ``unhealthy`` (503) and why."""

    status: Literal["ready", "loading", "unhealthy"]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ready"


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], Any],
        health: Callable[[], Health],
        outbox: Outbox | None = None,
    ) -> None:
        self.routes = routes
        self.invoke = invoke
        self.health = health
        self.outbox = outbox
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

    def _source_ip(self) -> str:
        """The caller's address, as ``requestContext.http.sourceIp`` gives it. A loopback caller
        may name another one in ``X-Forwarded-For`` (its first entry), so the demo and the tests
        can play several visitors from one machine; in AWS the HTTP API sets it from the connection."""
        peer = self.client_address[0]
        forwarded = self.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded and ipaddress.ip_address(peer).is_loopback:
            try:
                return str(ipaddress.ip_address(forwarded))
            except ValueError:
                return peer
        return peer

    def _dispatch(self, path: str, query: str, body: bytes) -> int:
        if path == "/healthz" and self.command in ("GET", "HEAD"):
            health = self.server.health()
            status = 200 if health.ok else 503
            answer: dict[str, object] = {"ok": health.ok, "status": health.status}
            if health.detail:
                answer["detail"] = health.detail
            self._send(status, json.dumps(answer).encode(), {"content-type": "application/json"})
            return status
        outbox = self.server.outbox
        if (
            outbox is not None
            and self.command in ("GET", "HEAD")
            and (path == OUTBOX_PAGE or path.startswith(OUTBOX_PAGE + "/"))
        ):
            return self._outbox(outbox, path.removeprefix(OUTBOX_PAGE).strip("/"), query)
        for route in self.server.routes:
            match = route.regex.match(path)
            if match and route.method in ("ANY", self.command):
                event = http_api_event(
                    self.command,
                    path,
                    route_key=route.route_key,
                    path_parameters=match.groupdict() or None,
                    query=query,
                    headers=self._request_headers(),
                    body=body,
                    source_ip=self._source_ip(),
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

    def _outbox(self, outbox: Outbox, name: str, query: str) -> int:
        """The local outbox (infra/local/outbox.py): the list, one message, or its .eml."""
        html_type = {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}
        if not name:
            self._send(200, outbox.list_page().encode(), html_type)
            return 200
        if query == "raw=1" and (raw := outbox.raw(name)) is not None:
            self._send(200, raw, {"content-type": "message/rfc822"})
            return 200
        page = outbox.message_page(name)
        if page is None:
            self._send(404, NOT_FOUND, {"content-type": "application/json"})
            return 404
        self._send(200, page.encode(), html_type)
        return 200

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

    def __init__(
        self,
        address: tuple[str, int],
        bus: Callable[[], LocalBus],
        queues: QueueStore,
        outbox: Outbox | None = None,
        fire_schedules: Callable[[str, str | None], list[str]] | None = None,
    ) -> None:
        self.bus = bus
        self.queues = queues
        self.outbox = outbox
        self.fire_schedules = fire_schedules  # (function logical id, mail kind or None) → schedules fired
        super().__init__(address, _AwsHandler)


class AwsError(Exception):
    """An error answered the way the service answers it, so botocore raises its own exception."""

    def __init__(self, code: str, message: str, *, query_code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.query_code = query_code  # SQS: the code its older query protocol used


# What the SQS and EventBridge APIs refuse (their quotas), so a bug that AWS would reject fails
# here too. SQS's message and batch limit is 1 MiB since August 2025.
SQS_MAX_BATCH = 10
SQS_MAX_BYTES = 1024 * 1024
EVENTS_MAX_ENTRIES = 10
EVENTS_MAX_REQUEST_BYTES = 256 * 1024

_SERVICES = {  # X-Amz-Target prefix → (content type, error type namespace)
    "AWSEvents": ("application/x-amz-json-1.1", ""),
    "AmazonSQS": ("application/x-amz-json-1.0", "com.amazonaws.sqs#"),
    "KringLocal": ("application/json", ""),
}


class _AwsHandler(_Handler):
    """The calls Kring's functions make, in botocore's JSON protocols: EventBridge (awsJson1_1,
    ``AWSEvents.*``) and SQS (awsJson1_0, ``AmazonSQS.*``)."""

    server: AwsServer

    def do_POST(self) -> None:
        if urlsplit(self.path).path == SES_SEND_PATH:
            self._ses_send_email()
            return
        target = self.headers.get("x-amz-target", "")
        service = target.split(".", 1)[0]
        content_type, namespace = _SERVICES.get(service, ("application/x-amz-json-1.1", ""))
        operation = {
            "AWSEvents.PutEvents": self._put_events,
            "AmazonSQS.SendMessage": self._send_message,
            "AmazonSQS.SendMessageBatch": self._send_message_batch,
            "AmazonSQS.GetQueueAttributes": self._get_queue_attributes,
            "AmazonSQS.ReceiveMessage": self._receive_message,
            "AmazonSQS.DeleteMessage": self._delete_message,
            "AmazonSQS.StartMessageMoveTask": self._start_message_move_task,
            "KringLocal.Redeliver": self._redeliver,
            "KringLocal.FireSchedules": self._fire_schedules,
        }.get(target)
        try:
            request = json.loads(self._body() or b"{}")
            if operation is None:
                raise AwsError(
                    "UnknownOperationException", f"{target or 'this call'} is not emulated locally"
                )
            result = operation(request)
        except AwsError as exc:
            log.warning("%s refused: %s %s", target, exc.code, exc)
            body = json.dumps({"__type": namespace + exc.code, "message": str(exc)}).encode()
            headers = {"content-type": content_type}
            if service == "AmazonSQS":
                headers["x-amzn-query-error"] = f"{exc.query_code or exc.code};Sender"
            self._send(400, body, headers)
            return
        except (KeyError, TypeError, ValueError) as exc:
            body = json.dumps({"__type": namespace + "ValidationException", "message": repr(exc)}).encode()
            self._send(400, body, {"content-type": content_type})
            return
        self._send(200, json.dumps(result).encode(), {"content-type": content_type})

    # ------------------------------------------------------------------------------ SES v2
    def _ses_send_email(self) -> None:
        """SES v2 SendEmail (rest-json): the raw message into the outbox."""
        outbox = self.server.outbox
        try:
            if outbox is None:
                raise SesRefusal("SES is not emulated by this endpoint")
            request = json.loads(self._body() or b"{}")
            stored = outbox.send_email(request)
        except (SesRefusal, ValueError, TypeError, AttributeError) as exc:
            log.warning("SES SendEmail refused: %s", exc)
            body = json.dumps({"message": str(exc)}).encode()
            self._send(
                400, body, {"content-type": "application/json", "x-amzn-errortype": "BadRequestException"}
            )
            return
        log.info("SES SendEmail: %s", stored.name)
        self._send(
            200, json.dumps({"MessageId": stored.message_id}).encode(), {"content-type": "application/json"}
        )

    # ------------------------------------------------------------------------------ EventBridge
    def _put_events(self, request: dict[str, Any]) -> dict[str, Any]:
        entries = request.get("Entries") or []
        if not 1 <= len(entries) <= EVENTS_MAX_ENTRIES:
            raise AwsError("ValidationException", f"PutEvents takes 1 to {EVENTS_MAX_ENTRIES} entries")
        size = sum(_event_entry_size(e) for e in entries)
        if size > EVENTS_MAX_REQUEST_BYTES:
            raise AwsError("ValidationException", f"total size of the entries {size} exceeds 256KB")
        results = self.server.bus().put_events(entries)
        failed = sum(1 for e in results if "ErrorCode" in e)
        log.info("PutEvents: %d entries, %d failed", len(results), failed)
        return {"FailedEntryCount": failed, "Entries": results}

    def _redeliver(self, request: dict[str, Any]) -> dict[str, Any]:
        """Local only: a rule DLQ's event handed back to the one target that parked it."""
        try:
            self.server.bus().redeliver(request["Rule"], request["TargetId"], request["Event"])
        except LookupError as exc:
            raise AwsError("ResourceNotFoundException", str(exc)) from exc
        return {}

    def _fire_schedules(self, request: dict[str, Any]) -> dict[str, Any]:
        """Local only (``make digest``): run one function's schedules' next runs now, optionally only those
        whose input names a mail kind starting with ``Kind``; which ones ran."""
        if self.server.fire_schedules is None:
            raise AwsError("ResourceNotFoundException", "no scheduler here")
        kind = request.get("Kind")
        fired = self.server.fire_schedules(str(request["Function"]), str(kind) if kind else None)
        return {"Fired": fired}

    # ------------------------------------------------------------------------------ SQS
    def _queue(self, queue_url: str) -> str:
        name = queue_url.rstrip("/").rsplit("/", 1)[-1]
        if name not in self.server.queues.specs:
            raise AwsError(
                "QueueDoesNotExist",
                "The specified queue does not exist.",
                query_code="AWS.SimpleQueueService.NonExistentQueue",
            )
        return name

    def _enqueue(self, queue: str, entry: dict[str, Any]) -> dict[str, Any]:
        body = entry.get("MessageBody")
        if not body:
            raise AwsError("MissingParameter", "The request must contain the parameter MessageBody.")
        if len(body.encode()) > SQS_MAX_BYTES:
            raise AwsError("InvalidParameterValue", f"the message is longer than {SQS_MAX_BYTES} bytes")
        fifo = self.server.queues.spec(queue).fifo
        if fifo and not entry.get("MessageGroupId"):
            raise AwsError("MissingParameter", "The request must contain the parameter MessageGroupId.")
        if not fifo and entry.get("MessageDeduplicationId"):
            raise AwsError("InvalidParameterValue", "MessageDeduplicationId is only for FIFO queues")
        message = self.server.queues.send(
            queue,
            body,
            group_id=entry.get("MessageGroupId"),
            dedup_id=entry.get("MessageDeduplicationId"),
            delay_seconds=int(entry["DelaySeconds"]) if entry.get("DelaySeconds") is not None else None,
            attributes=entry.get("MessageAttributes") or None,
        )
        result = {
            # A duplicate within the deduplication window is accepted and not delivered again.
            "MessageId": message.id if message else str(uuid.uuid4()),
            "MD5OfMessageBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - what SQS answers
        }
        if message and message.group_id:
            result["SequenceNumber"] = str(message.sequence).zfill(20)
        return result

    def _send_message(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._enqueue(self._queue(request["QueueUrl"]), request)

    def _get_queue_attributes(self, request: dict[str, Any]) -> dict[str, Any]:
        """The message counts (what the talent-team digest reads of the dead-letter queues) and the
        ARN (what a message-move task names); other attributes are not emulated and are left out,
        as SQS leaves out those it was not asked."""
        queue = self._queue(request["QueueUrl"])
        asked = set(request.get("AttributeNames") or [])
        counts = self.server.queues.counts(queue)
        attributes = {
            name: str(value)
            for name, value in {
                "ApproximateNumberOfMessages": counts.visible,
                "ApproximateNumberOfMessagesNotVisible": counts.in_flight,
                "ApproximateNumberOfMessagesDelayed": counts.delayed,
                "QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
            }.items()
            if "All" in asked or name in asked
        }
        return {"Attributes": attributes}

    def _receive_message(self, request: dict[str, Any]) -> dict[str, Any]:
        """What the dashboard's Connections page reads of a DLQ: with a visibility timeout of 0 its
        first messages, left where they are (a peek: no receive counted); otherwise received as the
        pollers receive them (the redrive of a rule's DLQ). ``WaitTimeSeconds`` does not wait."""
        queue = self._queue(request["QueueUrl"])
        limit = max(1, min(int(request.get("MaxNumberOfMessages") or 1), SQS_MAX_BATCH))
        visibility = request.get("VisibilityTimeout")
        if visibility is not None and int(visibility) == 0:
            found = self.server.queues.messages(queue)[:limit]
        else:
            seconds = (
                float(visibility)
                if visibility is not None
                else self.server.queues.spec(queue).visibility_timeout
            )
            found = self.server.queues.receive(queue, limit, seconds)
        messages = []
        for message in found:
            messages.append(
                {
                    "MessageId": message.id,
                    "ReceiptHandle": message.receipt or f"peek-{message.sequence}",
                    "MD5OfBody": hashlib.md5(message.body.encode()).hexdigest(),  # noqa: S324 - as SQS
                    "Body": message.body,
                    "Attributes": {
                        "SentTimestamp": str(int(message.sent_at * 1000)),
                        "ApproximateReceiveCount": str(message.receive_count),
                    },
                    "MessageAttributes": {
                        name: value
                        if isinstance(value, dict)
                        else {"DataType": "String", "StringValue": str(value)}
                        for name, value in message.attributes.items()
                        if name != DEAD_LETTER_REASON
                    },
                }
            )
        return {"Messages": messages} if messages else {}

    def _delete_message(self, request: dict[str, Any]) -> dict[str, Any]:
        self._queue(request["QueueUrl"])
        self.server.queues.delete(str(request["ReceiptHandle"]))
        return {}

    def _start_message_move_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """SQS's message-move task, done at once: a DLQ's messages into ``DestinationArn``, or
        without one back into the queues whose redrive policy names the DLQ (as ``make redrive``)."""
        source = self._queue(str(request["SourceArn"]).rsplit(":", 1)[-1])
        destination = request.get("DestinationArn")
        target = self._queue(str(destination).rsplit(":", 1)[-1]) if destination else None
        if target is None and not self.server.queues.sources_of(source):
            raise AwsError("InvalidParameterValue", f"{source} is no queue's DLQ: name a destination")
        for message in self.server.queues.messages(source):
            if target is None:
                back_to_source(self.server.queues, source, message)
            else:
                attributes = {k: v for k, v in message.attributes.items() if k != DEAD_LETTER_REASON}
                self.server.queues.send(
                    target, message.body, group_id=message.group_id, attributes=attributes or None
                )
            self.server.queues.remove(message.sequence)
        log.info("StartMessageMoveTask: %s moved to %s", source, target or "its source queues")
        return {"TaskHandle": uuid.uuid4().hex}

    def _send_message_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        queue = self._queue(request["QueueUrl"])
        entries = request.get("Entries") or []
        if not entries:
            raise AwsError("EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry")
        if len(entries) > SQS_MAX_BATCH:
            raise AwsError(
                "TooManyEntriesInBatchRequest", f"Maximum number of entries per request are {SQS_MAX_BATCH}"
            )
        ids = [e.get("Id") for e in entries]
        if len(set(ids)) != len(ids):
            raise AwsError("BatchEntryIdsNotDistinct", "Two or more batch entries have the same Id")
        if sum(len(str(e.get("MessageBody", "")).encode()) for e in entries) > SQS_MAX_BYTES:
            raise AwsError("BatchRequestTooLong", f"the batch is longer than {SQS_MAX_BYTES} bytes")
        successful, failed = [], []
        for entry in entries:
            try:
                successful.append({"Id": entry["Id"], **self._enqueue(queue, entry)})
            except AwsError as exc:
                failed.append({"Id": entry["Id"], "SenderFault": True, "Code": exc.code, "Message": str(exc)})
        return {"Successful": successful, "Failed": failed}


def _event_entry_size(entry: dict[str, Any]) -> int:
    """A PutEvents entry's size as EventBridge counts it."""
    size = 14 if entry.get("Time") is not None else 0
    for name in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(name) or "").encode())
    return size + sum(len(str(r).encode()) for r in entry.get("Resources") or [])
