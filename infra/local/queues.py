"""SQS on one machine: the template's queues in one SQLite file, so messages survive a restart.

What the functions and the event-source mappings rely on behaves as SQS does: FIFO queues hand
out one message group at a time in order and drop a repeated deduplication id for five minutes;
a message is invisible for its ``DelaySeconds`` (the queue's own ``DelaySeconds`` when it gives
none), and a received message until deleted or its visibility timeout passes; each receive is
counted, and past the queue's ``maxReceiveCount`` the message moves to its dead-letter queue.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.template import QueueSpec

DEDUP_WINDOW_SECONDS = 300
DEAD_LETTER_REASON = "kring_dead_letter_reason"  # a local note on a message moved to its DLQ

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    group_id TEXT,
    dedup_id TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    sent_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_received_at REAL,
    receipt TEXT
);
CREATE INDEX IF NOT EXISTS by_queue ON messages (queue, visible_at, seq);
CREATE TABLE IF NOT EXISTS dedup (queue TEXT, dedup_id TEXT, until REAL, PRIMARY KEY (queue, dedup_id));
"""
# A local note, not an SQS attribute (the function never sees it): the error of the message's last
# failed receive, carried into its DLQ so that `dlq list` can say why it was parked.
_LAST_ERROR_COLUMN = "ALTER TABLE messages ADD COLUMN last_error TEXT"


@dataclass(frozen=True)
class Message:
    queue: str
    id: str
    body: str
    group_id: str | None
    dedup_id: str | None
    sequence: int
    sent_at: float
    receive_count: int
    first_received_at: float | None
    receipt: str | None
    attributes: dict[str, Any]
    last_error: str | None = None


@dataclass(frozen=True)
class QueueCounts:
    """SQS's approximate counts, exact here: ready to receive, received and not yet back (in
    flight), and sent with a delay that has not passed."""

    visible: int
    in_flight: int
    delayed: int


class QueueStore:
    """Every local queue, by name. Thread-safe; several processes may open the same file."""

    def __init__(self, path: Path, specs: dict[str, QueueSpec], *, clock: Any = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        # Write-ahead logging, synced at checkpoints rather than at every commit: a send, a receive
        # and a delete each commit, and an fsync per commit made the file, not the functions, the
        # local stack's bottleneck (~17 recorded clicks a second). A crash of the stack loses
        # nothing; a power cut may lose the last moments, which a developer's machine can afford.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        if "last_error" not in columns:  # a data folder from before the column existed
            self._db.execute(_LAST_ERROR_COLUMN)
        self._lock = threading.RLock()
        self._clock = clock
        self.specs = {spec.name: spec for spec in specs.values()}

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def spec(self, name: str) -> QueueSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise KeyError(f"no queue {name!r} in template.yaml") from None

    def dead_letter_queue_of(self, name: str) -> str | None:
        arn = self.spec(name).dead_letter_arn
        return arn.rsplit(":", 1)[-1] if arn else None

    def sources_of(self, dlq_name: str) -> list[str]:
        return [name for name in self.specs if self.dead_letter_queue_of(name) == dlq_name]

    # ------------------------------------------------------------------------------ sending
    def send(
        self,
        queue: str,
        body: str,
        *,
        group_id: str | None = None,
        dedup_id: str | None = None,
        delay_seconds: int | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Message | None:
        """Enqueue, visible after ``delay_seconds`` (None: the queue's DelaySeconds); None when a
        FIFO queue drops it as a duplicate within the window."""
        spec = self.spec(queue)
        now = self._clock()
        if delay_seconds is None:
            delay_seconds = spec.delay_seconds
        if spec.fifo:
            if not group_id:
                raise ValueError(f"{queue} is FIFO: a MessageGroupId is required")
            dedup_id = dedup_id or hashlib.sha256(body.encode()).hexdigest()
        with self._tx() as db:
            if spec.fifo:
                row = db.execute(
                    "SELECT until FROM dedup WHERE queue = ? AND dedup_id = ?", (queue, dedup_id)
                ).fetchone()
                if row and row[0] > now:
                    return None
                db.execute(
                    "INSERT OR REPLACE INTO dedup VALUES (?, ?, ?)",
                    (queue, dedup_id, now + DEDUP_WINDOW_SECONDS),
                )
            message_id = str(uuid.uuid4())
            cursor = db.execute(
                "INSERT INTO messages (queue, id, body, group_id, dedup_id, attributes, sent_at, visible_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    queue,
                    message_id,
                    body,
                    group_id,
                    dedup_id,
                    json.dumps(attributes or {}),
                    now,
                    now + delay_seconds,
                ),
            )
            sequence = int(cursor.lastrowid or 0)
        return Message(
            queue, message_id, body, group_id, dedup_id, sequence, now, 0, None, None, attributes or {}
        )

    # ------------------------------------------------------------------------------ receiving
    def receive(self, queue: str, max_messages: int, visibility_timeout: float) -> list[Message]:
        """Up to ``max_messages`` visible messages; FIFO: only from groups with none in flight,
        in order. Messages received more than ``maxReceiveCount`` times move to the DLQ instead."""
        spec = self.spec(queue)
        now = self._clock()
        out: list[Message] = []
        with self._tx() as db:
            blocked: set[str] = set()
            if spec.fifo:
                blocked = {
                    row[0]
                    for row in db.execute(
                        "SELECT DISTINCT group_id FROM messages WHERE queue = ? AND receipt IS NOT NULL"
                        " AND visible_at > ?",
                        (queue, now),
                    )
                }
            rows = db.execute(
                "SELECT seq, id, body, group_id, dedup_id, attributes, sent_at, receive_count,"
                " first_received_at, visible_at FROM messages WHERE queue = ? ORDER BY seq",
                (queue,),
            ).fetchall()
            for seq, mid, body, group, dedup, attrs, sent_at, count, first, visible_at in rows:
                if len(out) >= max_messages:
                    break
                if spec.fifo and group in blocked:
                    continue
                if visible_at > now:
                    if spec.fifo:
                        blocked.add(group)  # a later message of the group must wait for this one
                    continue
                if spec.max_receive_count is not None and count >= spec.max_receive_count:
                    self._move(
                        db,
                        seq,
                        self.dead_letter_queue_of(queue),
                        reason=f"received {count} times (maxReceiveCount {spec.max_receive_count})",
                    )
                    continue
                receipt = uuid.uuid4().hex
                db.execute(
                    "UPDATE messages SET receive_count = ?, visible_at = ?, receipt = ?,"
                    " first_received_at = COALESCE(first_received_at, ?) WHERE seq = ?",
                    (count + 1, now + visibility_timeout, receipt, now, seq),
                )
                out.append(
                    Message(
                        queue,
                        mid,
                        body,
                        group,
                        dedup,
                        seq,
                        sent_at,
                        count + 1,
                        first or now,
                        receipt,
                        json.loads(attrs),
                    )
                )
        return out

    def _move(self, db: sqlite3.Connection, seq: int, target: str | None, reason: str) -> None:
        if target is None:
            return
        row = db.execute(
            "SELECT body, group_id, dedup_id, attributes, last_error FROM messages WHERE seq = ?", (seq,)
        ).fetchone()
        attributes = json.loads(row[3])
        attributes[DEAD_LETTER_REASON] = reason
        now = self._clock()
        db.execute(
            "INSERT INTO messages (queue, id, body, group_id, dedup_id, attributes, sent_at, visible_at,"
            " last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (target, str(uuid.uuid4()), row[0], row[1], row[2], json.dumps(attributes), now, now, row[4]),
        )
        db.execute("DELETE FROM messages WHERE seq = ?", (seq,))

    def delete(self, receipt: str) -> None:
        self.delete_many([receipt])

    def delete_many(self, receipts: list[str]) -> None:
        """Delete the messages received with these receipts, in one transaction (a batch's successes)."""
        with self._tx() as db:
            db.executemany("DELETE FROM messages WHERE receipt = ?", [(r,) for r in receipts])

    def release(self, receipt: str, after_seconds: float, *, error: str | None = None) -> None:
        """Make a received message visible again (a failed item of a partial batch), noting why it
        failed."""
        with self._tx() as db:
            db.execute(
                "UPDATE messages SET visible_at = ?, receipt = NULL,"
                " last_error = COALESCE(?, last_error) WHERE receipt = ?",
                (self._clock() + after_seconds, error, receipt),
            )

    def note_error(self, receipt: str, error: str) -> None:
        """Note why a received message failed; it comes back after its visibility timeout."""
        with self._tx() as db:
            db.execute("UPDATE messages SET last_error = ? WHERE receipt = ?", (error, receipt))

    # ------------------------------------------------------------------------------ operators
    def messages(self, queue: str) -> list[Message]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, id, body, group_id, dedup_id, attributes, sent_at, receive_count,"
                " first_received_at, receipt, last_error FROM messages WHERE queue = ? ORDER BY seq",
                (queue,),
            ).fetchall()
        return [
            Message(
                queue, mid, body, group, dedup, seq, sent, count, first, receipt, json.loads(attrs), error
            )
            for seq, mid, body, group, dedup, attrs, sent, count, first, receipt, error in rows
        ]

    def counts(self, queue: str) -> QueueCounts:
        self.spec(queue)
        now = self._clock()
        with self._lock:
            visible, in_flight, delayed = self._db.execute(
                "SELECT COALESCE(SUM(visible_at <= ?), 0),"
                " COALESCE(SUM(visible_at > ? AND receipt IS NOT NULL), 0),"
                " COALESCE(SUM(visible_at > ? AND receipt IS NULL), 0) FROM messages WHERE queue = ?",
                (now, now, now, queue),
            ).fetchone()
        return QueueCounts(int(visible), int(in_flight), int(delayed))

    def remove(self, sequence: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM messages WHERE seq = ?", (sequence,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
