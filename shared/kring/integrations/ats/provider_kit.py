"""Small readers the provider modules share: ids, times, texts and lists out of untrusted payloads,
the HMAC-SHA256 check most signatures come down to, delivery ids, validation messages, and the API
key of a provider Kring calls back (the API client itself is :mod:`kring.integrations.ats.http`).

:mod:`kring.integrations.ats.base` is the contract (what a provider module implements and the
changes it returns); this module is only help for writing one. Everything here is provider-neutral:
what a provider does its own way (Lever's UUID ids, Teamtailor's ``tt:`` delivery ids, SmartRecruiters'
and Teamtailor's refusal of a time without a zone …) stays in its module, said so there.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from kring import safe_json
from kring.errors import TransientError
from kring.integrations.ats.base import first_text
from kring.integrations.secrets import get_secret
from kring.models.common import Locale, Provider

MAX_DELIVERY_ID = 128
MAX_URL = 2000

# The form of :data:`~kring.models.common.ExternalId` (what the changes accept as an id).
_EXTERNAL_ID = re.compile(r"\A[A-Za-z0-9._:@-]{1,40}\Z")
_SHA256_HEX = re.compile(r"\A[0-9a-fA-F]{64}\Z")
_DUTCH = frozenset({"nl", "dutch", "nederlands"})
_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


# --------------------------------------------------------------------------------- payload values
def loads_or_none(raw_body: bytes) -> Any:
    """The body as JSON, or ``None`` when :func:`kring.safe_json.loads` refuses it (not JSON, nested
    too deep, a number that is not finite): for reading a body before (or beside) its verification,
    where a malformed body is not an error yet (the strict reading, a 400, is
    :func:`~kring.integrations.ats.base.parse_json`). The intake has bounded its size."""
    return safe_json.loads_or_none(raw_body, max_bytes=len(raw_body))


def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else ``{}`` (so a missing or odd part reads as empty)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else ``[]``."""
    return value if isinstance(value, list) else []


def id_text(value: object) -> str | None:
    """An id the payload sends as a number or a string, as text: an integer (not a boolean) as its
    digits, a non-blank string stripped; ``None`` for anything else. No check of its form."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return first_text(value)


def external_id(value: object) -> str | None:
    """An id (a string or an integer, stripped) in the form the changes accept
    (:data:`~kring.models.common.ExternalId`: 1 to 40 of ``A-Z a-z 0-9 . _ : @ -``), or
    ``None`` for a shape Kring cannot key on."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if _EXTERNAL_ID.match(text) else None


def clipped_text(value: object, limit: int) -> str | None:
    """:func:`~kring.integrations.ats.base.first_text` of ``value``, cut to ``limit`` characters."""
    text = first_text(value)
    return text[:limit] if text else None


def email_address(value: object) -> str | None:
    """A string that may be an e-mail address (it has an ``@``; at most 254 characters), stripped."""
    if isinstance(value, str) and "@" in value and len(value.strip()) <= 254:
        return value.strip()
    return None


def https_url(*values: object) -> str | None:
    """The first value that is an ``https://`` URL of at most :data:`MAX_URL` characters, as it is
    (not stripped: a URL with spaces around it is not taken)."""
    for value in values:
        if isinstance(value, str) and value.startswith("https://") and len(value) <= MAX_URL:
            return value
    return None


def unique_texts(*values: str | None, max_length: int | None = None) -> tuple[str, ...]:
    """The non-empty values in order, each once whatever its case (the first spelling is kept),
    each cut to ``max_length`` characters: a job's tags."""
    seen: dict[str, str] = {}
    for value in values:
        if value:
            seen.setdefault(value.casefold(), value[:max_length])
    return tuple(seen.values())


def declared_locale(value: object) -> Locale:
    """``nl`` when ``value`` declares Dutch by code or by name (``nl``, ``nl-NL``, ``nl_BE``,
    ``Dutch``, ``Nederlands``); ``en`` for anything else."""
    declared = (first_text(value) or "").lower().replace("_", "-")
    return "nl" if declared.split("-")[0] in _DUTCH or declared in _DUTCH else "en"


# --------------------------------------------------------------------------------- times
def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time (``2024-05-20T08:41:07.000000Z``); one without a zone is taken as UTC, a
    bare date as its midnight UTC; ``None`` for anything else."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def first_time(*values: object) -> datetime | None:
    """The first of ``values`` that :func:`parse_time` reads; ``None`` when none does."""
    for value in values:
        parsed = parse_time(value)
        if parsed is not None:
            return parsed
    return None


def first_time_or_now(*values: object) -> datetime:
    """:func:`first_time`, else now (the time of receipt): for a payload whose stamps may all be
    missing."""
    return first_time(*values) or datetime.now(UTC)


def parse_zoned_time(value: object) -> datetime | None:
    """A time as pydantic reads it (ISO 8601, also unix seconds) that states its zone; ``None`` for
    one without a zone, which is not guessed (unlike :func:`parse_time`)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = _DATETIME.validate_python(value.strip())
    except ValidationError:
        return None
    return parsed if parsed.tzinfo is not None else None


# --------------------------------------------------------------------------------- signatures
def hmac_sha256_hex(key: str | bytes, message: bytes) -> str:
    """The lower-hex HMAC-SHA256 of ``message`` keyed with ``key`` (a text key as UTF-8)."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def hex_digest_matches(expected: str, *given: str) -> bool:
    """Whether any of ``given`` is the hex digest ``expected``, case-insensitively. Each is compared
    in constant time and every one is compared (no early exit that would tell which matched); no
    ``given`` at all is ``False``. ``given`` is compared as it is otherwise: strip it first."""
    wanted = expected.lower().encode("ascii")
    matched = False
    for digest in given:
        matched |= hmac.compare_digest(wanted, digest.lower().encode("utf-8", "replace"))
    return matched


def hmac_sha256_matches(key: str | bytes, message: bytes, *given: str) -> bool:
    """Whether any of ``given`` is the lower-hex HMAC-SHA256 of ``message`` keyed with ``key``
    (see :func:`hex_digest_matches`)."""
    return hex_digest_matches(hmac_sha256_hex(key, message), *given)


def is_sha256_hex(value: str) -> bool:
    """Whether ``value`` is exactly 64 hex digits (either case): the form of a SHA-256 digest."""
    return _SHA256_HEX.match(value) is not None


# --------------------------------------------------------------------------------- delivery ids
def hashed_delivery_id(content: bytes) -> str:
    """``sha256:<hex>`` of ``content``: the delivery id of a delivery that carries none of its own
    (the raw body, or the parts of it that stay the same on a retry)."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


def delivery_id_text(value: object) -> str | None:
    """A delivery id the provider gave (a header, a body field), as :func:`id_text` reads it, when
    it is printable and at most :data:`MAX_DELIVERY_ID` characters; else ``None``."""
    text = id_text(value)
    if text is not None and len(text) <= MAX_DELIVERY_ID and text.isprintable():
        return text
    return None


def event_name_of(payload: Any, key: str) -> str:
    """The provider's event name in ``payload[key]`` (cut to 100 characters), or ``unknown``."""
    name = payload.get(key) if isinstance(payload, dict) else None
    return name[:100] if isinstance(name, str) and name else "unknown"


# --------------------------------------------------------------------------------- validation
def first_error(exc: ValidationError, root: str = "payload") -> str:
    """The first of pydantic's errors as ``<where>: <message>``, for an error message that says
    which field is wrong; ``root`` names the place when the error is about the whole object."""
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ())) or root
    return f"{where}: {error.get('msg', 'invalid')}"


# --------------------------------------------------------------------------------- secrets
def secret_name(name: str) -> str:
    """The secret a provider's webhooks are signed with (``webhook-secret-lever``; locally
    ``KRING_WEBHOOK_SECRET_LEVER``): without it the provider is not connected."""
    return f"webhook-secret-{name}"


def api_key_name(name: str) -> str:
    """The secret holding the provider's API key (``ats-api-key-lever``; locally
    ``KRING_ATS_API_KEY_LEVER``), for the providers Kring calls back."""
    return f"ats-api-key-{name}"


def fetch_api_key(provider: Provider, label: str) -> str:
    """The provider's API key (``ats-api-key-<provider>``) for completing ids-only deliveries;
    :class:`~kring.errors.TransientError` without one: it is fixed in configuration and then the
    parked fetches are redriven, so the fetch is retried, never dropped. ``label`` is the
    provider's name as people write it (``SmartRecruiters``), for the message."""
    name = api_key_name(provider)
    key = get_secret(name)
    if not key:
        raise TransientError(f"no {label} API key ({name})")
    return key
