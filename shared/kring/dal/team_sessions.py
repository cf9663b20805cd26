"""The dashboard's sign-in links, sessions and rate counters: :class:`SignInStore` items of their
own entity, holding a talent-team user's id (and a session's CSRF token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kring.dal.sign_ins import SignInStore


@dataclass(frozen=True)
class TeamSession:
    user_id: str
    csrf: str
    expires_at: int


class TeamSessionRepository(SignInStore):
    LINK_ENTITY = "team_sign_in"
    SESSION_ENTITY = "team_session"

    def put_sign_in(self, token_hash: str, user_id: str, *, expires_at: datetime) -> None:
        self.put_link(token_hash, {"user_id": user_id}, expires_at=expires_at)

    def use_sign_in(self, token_hash: str, *, now: datetime) -> str | None:
        """The user the link signs in, using it up; None: used, expired or unknown."""
        held = self.use_link(token_hash, now=now)
        return held["user_id"] if held else None

    def put_session(self, session_hash: str, session: TeamSession) -> None:
        held = {"user_id": session.user_id, "csrf": session.csrf}
        self.put_session_fields(session_hash, held, expires_at=session.expires_at)

    def get_session(self, session_hash: str, *, now: datetime) -> TeamSession | None:
        found = self.session_fields(session_hash, now=now)
        if found is None:
            return None
        held, expires_at = found
        return TeamSession(user_id=held["user_id"], csrf=held["csrf"], expires_at=expires_at)


class SsoStateRepository(SignInStore):
    """A single sign-on begun and not yet finished (:mod:`kring.access.team_sso`): one item per
    ``state``, kept as its keyed hash with nothing else, for 10 minutes, used up by the callback
    (one conditional delete, so a replayed callback finds nothing)."""

    LINK_ENTITY = "team_sso_state"

    def put_state(self, state_hash: str, *, expires_at: datetime) -> None:
        self.put_link(state_hash, {"flow": "sso"}, expires_at=expires_at)

    def use_state(self, state_hash: str, *, now: datetime) -> bool:
        return self.use_link(state_hash, now=now) is not None
