"""``/api/team/users``, ``/api/team/tokens`` and ``/api/audit``: the talent team's people, the API's
tokens and the audit trail — admin only (:mod:`kring.api.route_roles`).

Users and tokens list by Query (gsi1), paged with ``limit`` and ``next``. A token's secret is in
the answer to its ``POST`` and nowhere else, ever. The bootstrap token (the ``admin-token``
secret) is listed first on the first page and cannot be revoked (409). The audit trail reads UTC
days ``from``..``to`` (dates, default: the last 30 days; at most 366), newest first.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from kring import config, safe_json
from kring.access import audit, credentials, members
from kring.api import pagination
from kring.api.auth import current_principal
from kring.api.request_body import parsed_body
from kring.api.resource_models import ListOut, _Out
from kring.api.responses import json_response, no_content
from kring.dal import keys
from kring.errors import FieldValidationError, InvalidInputError, NotFoundError
from kring.models.access import ApiToken, AuditEntry, DisplayName, Role, TeamUser
from kring.models.common import Locale

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

MAX_BODY_BYTES = 8 * 1024
USERS_SCOPE = "team-users"
TOKENS_SCOPE = "api-tokens"
AUDIT_LIMIT = 100


def _now() -> datetime:
    return datetime.now(UTC)


def _id(raw: str, what: str) -> str:
    value = unquote(raw)
    if len(value) == 16 and all(c in "0123456789abcdef" for c in value):
        return value
    raise NotFoundError(f"no such {what}")


def _page_args(scope: str, partition: str) -> tuple[int, dict[str, str] | None]:
    event = router.current_event
    limit = pagination.page_limit(event.get_query_string_value("limit"), config.api().api_page_size)
    cursor = pagination.decode(
        event.get_query_string_value("next"), scope, partition={keys.GSI1_PK: partition}
    )
    return limit, cursor


# --- users -----------------------------------------------------------------------------------------
class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    name: DisplayName
    role: Role
    locale: Locale = "en"


class UserPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr | None = None
    name: DisplayName | None = None
    role: Role | None = None
    locale: Locale | None = None


class UserOut(_Out):
    id: str
    email: str
    name: str
    role: Role
    locale: Locale
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def of(cls, user: TeamUser) -> UserOut:
        return cls(
            id=user.id,
            email=str(user.email),
            name=user.name,
            role=user.role,
            locale=user.locale,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


@router.get("/team/users")
def list_users() -> Response[str]:
    limit, cursor = _page_args(USERS_SCOPE, keys.TEAM_USER_LIST)
    page = members.page(limit, cursor)
    out = ListOut[UserOut](
        items=[UserOut.of(u) for u in page.items], next=pagination.encode(USERS_SCOPE, page.cursor)
    )
    return json_response(200, out)


@router.post("/team/users")
def add_user() -> Response[str]:
    wanted = parsed_body(router.current_event, UserIn, "user", max_bytes=MAX_BODY_BYTES)
    user = members.add(
        email=wanted.email, name=wanted.name, role=wanted.role, locale=wanted.locale, now=_now()
    )
    router.context.update(audit_target=user.id, audit_note=f"{user.name} ({user.role})")
    return json_response(201, UserOut.of(user), {"Location": f"/api/team/users/{user.id}"})


@router.get("/team/users/<user_id>")
def get_user(user_id: str) -> Response[str]:
    return json_response(200, UserOut.of(members.get(_id(user_id, "user"))))


@router.patch("/team/users/<user_id>")
def patch_user(user_id: str) -> Response[str]:
    known = _id(user_id, "user")
    patch = parsed_body(router.current_event, UserPatchIn, "change", max_bytes=MAX_BODY_BYTES)
    changes = patch.model_dump(exclude_none=True)
    if not changes:
        raise FieldValidationError(
            "the change is not valid", [{"field": "body", "message": "change something"}]
        )
    user = members.change(known, changes, now=_now())
    router.context.update(audit_note=", ".join(sorted(changes)))
    return json_response(200, UserOut.of(user))


@router.delete("/team/users/<user_id>")
def delete_user(user_id: str) -> Response[str]:
    members.remove(_id(user_id, "user"))
    return no_content()


# --- API tokens ------------------------------------------------------------------------------------
class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: DisplayName
    role: Role


class TokenOut(_Out):
    id: str
    name: str
    role: Role
    created_at: AwareDatetime | None
    created_by: str | None
    last_used_at: AwareDatetime | None = Field(description="recorded at most once per 15 minutes")
    revocable: bool

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            name=token.name,
            role=token.role,
            created_at=token.created_at,
            created_by=token.created_by,
            last_used_at=token.last_used_at,
            revocable=True,
        )


BOOTSTRAP_OUT = TokenOut(
    id=credentials.BOOTSTRAP,
    name=credentials.BOOTSTRAP,
    role="admin",
    created_at=None,
    created_by=None,
    last_used_at=None,
    revocable=False,
)


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="shown this once: only its keyed hash is kept")


@router.get("/team/tokens")
def list_tokens() -> Response[str]:
    limit, cursor = _page_args(TOKENS_SCOPE, keys.API_TOKEN_LIST)
    page = credentials.tokens_page(limit, cursor)
    items = ([BOOTSTRAP_OUT] if cursor is None else []) + [TokenOut.of(t) for t in page.items]
    return json_response(
        200, ListOut[TokenOut](items=items, next=pagination.encode(TOKENS_SCOPE, page.cursor))
    )


@router.post("/team/tokens")
def create_token() -> Response[str]:
    wanted = parsed_body(router.current_event, TokenIn, "token", max_bytes=MAX_BODY_BYTES)
    by = current_principal(router.context)
    token, secret = credentials.create_token(wanted.name, wanted.role, by=by, now=_now())
    router.context.update(audit_target=token.id, audit_note=f"{token.name} ({token.role})")
    out = TokenCreatedOut(**TokenOut.of(token).model_dump(), secret=secret)
    return json_response(201, out, {"Location": f"/api/team/tokens/{token.id}", "Cache-Control": "no-store"})


@router.delete("/team/tokens/<token_id>")
def revoke_token(token_id: str) -> Response[str]:
    revoked = credentials.revoke_token(unquote(token_id))
    router.context.update(audit_note=f"{revoked.name} ({revoked.role})")
    return no_content()


# --- the audit trail -------------------------------------------------------------------------------
class AuditOut(_Out):
    id: str
    at: AwareDatetime
    actor: str
    actor_name: str
    role: Role
    method: str
    route: str
    target: str | None
    status: int
    summary: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditOut:
        return cls(**entry.model_dump())


def _date(name: str, raw: str | None, default: date) -> date:
    if raw is None or raw == "":
        return default
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _invalid(name)
    except ValueError:
        return _invalid(name)


def _invalid(name: str) -> date:
    raise FieldValidationError(
        "the query is not valid", [{"field": name, "message": "must be a date, YYYY-MM-DD"}]
    )


def _audit_scope(first: date, last: date) -> str:
    return f"audit:{first.isoformat()}:{last.isoformat()}"


def _encode_position(scope: str, position: audit.Position | None) -> str | None:
    if position is None:
        return None
    payload = json.dumps(
        {"s": scope, "d": position.day.isoformat(), "b": position.before}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode("ascii")


def _decode_position(token: str | None, scope: str, first: date, last: date) -> audit.Position | None:
    if not token:
        return None
    try:
        if len(token) > pagination.MAX_TOKEN_LENGTH:
            raise ValueError
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = safe_json.loads(raw, max_bytes=pagination.MAX_TOKEN_LENGTH, max_depth=1)
        if not isinstance(data, dict) or set(data) != {"s", "d", "b"} or data["s"] != scope:
            raise ValueError
        day = date.fromisoformat(str(data["d"]))
        before = data["b"]
        if not first <= day <= last or not (
            before is None or (isinstance(before, str) and 0 < len(before) <= 80)
        ):
            raise ValueError
    except (ValueError, binascii.Error, InvalidInputError) as exc:
        raise pagination.InvalidPageTokenError("the next token is not valid") from exc
    return audit.Position(day, before)


AuditPage = ListOut[AuditOut]


@dataclass(frozen=True)
class AuditRead:
    """One page of the trail: the days read (``first``..``last``), the entries newest first and the
    token of the next page (None: no more)."""

    first: date
    last: date
    entries: list[AuditEntry]
    next: str | None


def read_audit_page(
    raw_from: str | None, raw_to: str | None, raw_next: str | None, raw_limit: str | None, *, today: date
) -> AuditRead:
    """``GET /api/audit``'s query (``from``, ``to``, ``next``, ``limit``) → a page of the trail; the
    dashboard's Audit page reads it the same way. Bad input: :class:`FieldValidationError` /
    :class:`~kring.api.pagination.InvalidPageTokenError`."""
    last = _date("to", raw_to, today)
    first = _date("from", raw_from, last - timedelta(days=audit.DEFAULT_DAYS - 1))
    if first > last:
        raise FieldValidationError(
            "the query is not valid", [{"field": "from", "message": "must not be after to"}]
        )
    if (last - first).days >= audit.MAX_DAYS:
        raise FieldValidationError(
            "the query is not valid",
            [{"field": "from", "message": f"at most {audit.MAX_DAYS} days at a time"}],
        )
    limit = pagination.page_limit(raw_limit, AUDIT_LIMIT)
    scope = _audit_scope(first, last)
    position = _decode_position(raw_next, scope, first, last)
    entries, after = audit.read(first, last, limit, position)
    return AuditRead(first, last, entries, _encode_position(scope, after))


@router.get("/audit")
def read_audit() -> Response[str]:
    event = router.current_event
    found = read_audit_page(
        event.get_query_string_value("from"),
        event.get_query_string_value("to"),
        event.get_query_string_value("next"),
        event.get_query_string_value("limit"),
        today=_now().date(),
    )
    return json_response(200, AuditPage(items=[AuditOut.of(e) for e in found.entries], next=found.next))
