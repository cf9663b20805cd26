"""The visitor-hash key on the redirect's path, read once per container.

From the environment (``KRING_VISITOR_HASH_KEY``) on the local stack; in AWS one SSM
``GetParameter`` (SecureString, decrypted) through the hot-path client, the first time a click
needs it. The key is kept for the container's life: rotating it means new containers.

When it cannot be read (SSM down, parameter missing, no time left) the redirect still answers,
but the click is not counted: without the key there is no visitor hash, and a click without one
would break unique-visitor counting. That is logged at ERROR; the next attempt to read the key is
made after :data:`RETRY_AFTER_SECONDS`, so an SSM outage does not slow every click down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from kring import aws
from kring.links.visitors import SECRET_NAME, daily_salt
from kring.redirect.budget import Budget
from kring.redirect.settings import RedirectSettings

log = logging.getLogger("kring.redirect")

RETRY_AFTER_SECONDS = 30.0


class VisitorKey:
    def __init__(
        self,
        settings: RedirectSettings,
        *,
        client: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._client = client or (lambda: aws.hot_path_client("ssm"))
        self._clock = clock
        self._key: bytes | None = None
        self._retry_at = 0.0
        self._salt: tuple[date, bytes] | None = None

    def salt(self, day: date, budget: Budget) -> bytes | None:
        """The day's salt, or None when the key cannot be had (logged)."""
        if self._salt is not None and self._salt[0] == day:
            return self._salt[1]
        key = self.key(budget)
        if key is None:
            return None
        salt = daily_salt(key, day)
        self._salt = (day, salt)
        return salt

    def key(self, budget: Budget) -> bytes | None:
        if self._key is None:
            value = (
                self._from_environment()
                if self._settings.secrets_ssm_path is None
                else self._from_ssm(budget)
            )
            self._key = value.encode("utf-8") if value else None
        return self._key

    def _from_environment(self) -> str | None:
        value = self._settings.visitor_hash_key_env
        if not value:
            log.error("the visitor-hash key is not set (KRING_VISITOR_HASH_KEY): clicks are not counted")
        return value

    def _from_ssm(self, budget: Budget) -> str | None:
        now = self._clock()
        if now < self._retry_at or not budget.allows_call():
            return None
        name = (self._settings.secrets_ssm_path or "/").rstrip("/") + "/" + SECRET_NAME
        try:
            value: str = self._client().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except (BotoCoreError, ClientError, KeyError) as exc:
            self._retry_at = now + RETRY_AFTER_SECONDS
            log.error(
                "the visitor-hash key could not be read from %s: clicks are not counted (%s)", name, exc
            )
            return None
        if not value:
            self._retry_at = now + RETRY_AFTER_SECONDS
            log.error("the visitor-hash key %s is empty: clicks are not counted", name)
        return value or None
