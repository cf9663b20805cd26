"""The dashboard's Team and Audit pages (admin): the talent team's users, the API's tokens and the
audit trail — read and changed through the functions the admin API's ``/api/team/users``,
``/api/team/tokens`` and ``/api/audit`` call (:mod:`kring.access.members`,
:mod:`kring.access.credentials`, :func:`kring.api.team_access.read_audit_page`), validated by the
same pydantic models (:class:`~kring.api.team_access.UserIn`, ``UserPatchIn``, ``TokenIn``).

Users and tokens list by Query (gsi1), a page at a time (``?users=`` / ``?tokens=``: the API's page
tokens); the bootstrap token (the ``admin-token`` secret) is listed first and cannot be revoked.
A new token's secret is on the page that answers its form and nowhere else. The trail reads UTC
days ``from``..``to`` (default: the last 30), newest first, paged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from kring import config, safe_json
from kring.access import credentials, members
from kring.api import pagination
from kring.api.team_access import (
    TOKENS_SCOPE,
    USERS_SCOPE,
    AuditRead,
    TokenIn,
    UserIn,
    UserPatchIn,
    read_audit_page,
)
from kring.dal import keys
from kring.dashboard import frame
from kring.dashboard.tables import Column, Table, find, to_csv
from kring.errors import FieldValidationError
from kring.mail.i18n import Translator
from kring.models.access import ROLES, ApiToken, TeamUser

TEAM_URL = f"{frame.BASE}/team"
AUDIT_URL = f"{frame.BASE}/audit"
TEAM_TABLES: Final = ("users", "tokens")

M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], data: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise FieldValidationError("the form is not valid", safe_json.field_errors(exc)) from exc


def _fields(form: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: form.get(name, "") for name in names}


# --- changes -------------------------------------------------------------------------------------
def add_user(form: Mapping[str, str], now: datetime) -> TeamUser:
    wanted = _validated(UserIn, _fields(form, ("email", "name", "role", "locale")))
    return members.add(email=wanted.email, name=wanted.name, role=wanted.role, locale=wanted.locale, now=now)


def change_user(user_id: str, form: Mapping[str, str], now: datetime) -> tuple[TeamUser, str]:
    """The user changed (name, role, language) and what changed, for the audit trail."""
    before = members.get(user_id)
    patch = _validated(UserPatchIn, _fields(form, ("name", "role", "locale")))
    changes = {k: v for k, v in patch.model_dump(exclude_none=True).items() if getattr(before, k) != v}
    if not changes:
        return before, "nothing"
    return members.change(user_id, changes, now=now), ", ".join(sorted(changes))


def remove_user(user_id: str) -> TeamUser:
    user = members.get(user_id)
    members.remove(user_id)
    return user


def create_token(form: Mapping[str, str], by: TeamUser, now: datetime) -> tuple[ApiToken, str]:
    wanted = _validated(TokenIn, _fields(form, ("name", "role")))
    principal = credentials.Principal(f"user:{by.id}", by.name, by.role)
    return credentials.create_token(wanted.name, wanted.role, by=principal, now=now)


def revoke_token(token_id: str) -> ApiToken:
    return credentials.revoke_token(token_id)


# --- the team page -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Lists:
    users: list[TeamUser]
    users_next: str | None
    tokens: list[ApiToken]
    tokens_next: str | None
    first_tokens: bool


def _lists(users_token: str | None, tokens_token: str | None) -> _Lists:
    size = config.api().api_page_size
    users_cursor = pagination.decode(users_token, USERS_SCOPE, partition={keys.GSI1_PK: keys.TEAM_USER_LIST})
    tokens_cursor = pagination.decode(
        tokens_token, TOKENS_SCOPE, partition={keys.GSI1_PK: keys.API_TOKEN_LIST}
    )
    users = members.page(size, users_cursor)
    tokens = credentials.tokens_page(size, tokens_cursor)
    return _Lists(
        list(users.items),
        pagination.encode(USERS_SCOPE, users.cursor),
        list(tokens.items),
        pagination.encode(TOKENS_SCOPE, tokens.cursor),
        tokens_cursor is None,
    )


def _when(moment: datetime | None) -> str | None:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else None


def _tables(t: Translator, lists: _Lists) -> tuple[Table, Table]:
    users = Table(
        "users",
        t("dashboard.team.users_caption"),
        tuple(
            Column(t(f"dashboard.team.{c}"))
            for c in ("name", "email", "role", "language", "added", "changed")
        ),
        tuple(
            (
                u.name,
                str(u.email),
                t(f"dashboard.role.{u.role}"),
                t(f"portal.language.{u.locale}"),
                _when(u.created_at),
                _when(u.updated_at),
            )
            for u in lists.users
        ),
    )
    bootstrap = (
        (
            t("dashboard.team.bootstrap"),
            t("dashboard.role.admin"),
            None,
            None,
            None,
            t("dashboard.team.not_revocable"),
        ),
    )
    tokens = Table(
        "tokens",
        t("dashboard.team.tokens_caption"),
        tuple(
            Column(t(f"dashboard.team.{c}"))
            for c in ("token_name", "role", "added", "added_by", "last_used", "revocable")
        ),
        (bootstrap if lists.first_tokens else ())
        + tuple(
            (
                tok.name,
                t(f"dashboard.role.{tok.role}"),
                _when(tok.created_at),
                tok.created_by,
                _when(tok.last_used_at),
                t("dashboard.team.revocable_yes"),
            )
            for tok in lists.tokens
        ),
    )
    return users, tokens


def team_page(
    t: Translator,
    *,
    chrome: frame.Chrome,
    users_token: str | None = None,
    tokens_token: str | None = None,
    done: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> str:
    lists = _lists(users_token, tokens_token)
    users, tokens = _tables(t, lists)
    return frame.render(
        "team",
        t,
        title=t("dashboard.team.title"),
        chrome=chrome,
        users=users,
        tokens=tokens,
        user_rows=lists.users,
        token_rows=lists.tokens,
        roles=ROLES,
        field_labels={
            "email": t("dashboard.team.email"),
            "name": t("dashboard.team.name"),
            "role": t("dashboard.team.role"),
            "locale": t("dashboard.team.language"),
            "form": t("dashboard.form.form"),
        },
        done=done if done in DONE else None,
        errors=errors or [],
        users_csv=frame._with_query(f"{TEAM_URL}.csv", table="users", users=users_token),
        tokens_csv=frame._with_query(f"{TEAM_URL}.csv", table="tokens", tokens=tokens_token),
        users_next=frame._with_query(TEAM_URL, users=lists.users_next) if lists.users_next else None,
        tokens_next=frame._with_query(TEAM_URL, tokens=lists.tokens_next) if lists.tokens_next else None,
    )


DONE: Final = ("user-added", "user-changed", "user-removed", "token-revoked")


def team_csv(t: Translator, table: str, *, users_token: str | None, tokens_token: str | None) -> str | None:
    if table not in TEAM_TABLES:
        return None
    found = find(_tables(t, _lists(users_token, tokens_token)), table)
    return to_csv(found) if found else None


def token_created_page(t: Translator, *, chrome: frame.Chrome, token: ApiToken, secret: str) -> str:
    return frame.render(
        "token_created",
        t,
        title=t("dashboard.team.token_created_title"),
        chrome=chrome,
        token=token,
        secret=secret,
    )


# --- the audit page ------------------------------------------------------------------------------
def _audit_table(t: Translator, found: AuditRead) -> Table:
    return Table(
        "audit",
        t("dashboard.audit.caption", first=t.date(found.first), last=t.date(found.last)),
        tuple(
            Column(t(f"dashboard.audit.{c}"))
            for c in ("at", "who", "role", "what", "route", "target", "status")
        ),
        tuple(
            (
                _when(e.at),
                e.actor_name,
                t(f"dashboard.role.{e.role}"),
                e.summary,
                e.route if e.route.startswith(f"{e.method} ") else f"{e.method} {e.route}",
                e.target,
                e.status,
            )
            for e in found.entries
        ),
    )


def _read(query: Mapping[str, str], today: date) -> AuditRead:
    return read_audit_page(query.get("from"), query.get("to"), query.get("next"), None, today=today)


def audit_page(t: Translator, query: Mapping[str, str], *, today: date, chrome: frame.Chrome) -> str:
    found = _read(query, today)
    given = {"from": query.get("from"), "to": query.get("to")}
    return frame.render(
        "audit",
        t,
        title=t("dashboard.audit.title"),
        chrome=chrome,
        audit=_audit_table(t, found),
        first=found.first.isoformat(),
        last=found.last.isoformat(),
        csv_href=frame._with_query(f"{AUDIT_URL}.csv", next=query.get("next"), **given),
        next_href=frame._with_query(AUDIT_URL, next=found.next, **given) if found.next else None,
        first_href=frame._with_query(AUDIT_URL, **given) if query.get("next") else None,
    )


def audit_csv(t: Translator, query: Mapping[str, str], *, today: date) -> str:
    return to_csv(_audit_table(t, _read(query, today)))
