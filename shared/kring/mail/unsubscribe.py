"""The signed links in every mail: one-click unsubscribe (RFC 8058) and the preferences page.

A link's token is opaque: the recipient id and what the link may do, encrypted and authenticated
with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under the ``mail-link-key`` secret
(SSM in AWS, ``KRING_MAIL_LINK_KEY`` locally). Nothing in the URL names the ambassador, and a token
cannot be made or changed without the key. Rotating the key invalidates the links of mails
already sent.

What a token allows (its scope): ``digest``, ``instant``, ``outcomes``, ``invitations`` — turn that
kind of mail off; ``preferences`` — read and change every mail preference. A GET never changes anything; the
one POST of an unsubscribe link does (a mail provider's ``List-Unsubscribe=One-Click``, or the
page's button). Forms carry a CSRF field derived from the token and the key (there is no cookie
to ride, but a form post is still checked to come from Kring's own page).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from kring import config
from kring.errors import InvalidInputError
from kring.integrations.secrets import required_key

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

SECRET_NAME = "mail-link-key"  # noqa: S105 - the name of the SSM parameter, not a secret
MAX_TOKEN_LENGTH = 512

Topic = Literal["digest", "instant", "outcomes", "team", "invitations"]
Scope = Literal["digest", "instant", "outcomes", "team", "invitations", "preferences"]
TOPICS: tuple[Topic, ...] = ("digest", "instant", "outcomes", "team", "invitations")
SCOPES: tuple[Scope, ...] = (*TOPICS, "preferences")


@dataclass(frozen=True)
class LinkToken:
    recipient: str
    scope: Scope


@lru_cache(maxsize=1)
def _key() -> bytes:
    return required_key(SECRET_NAME)


def clear_cache() -> None:
    _key.cache_clear()
    sealer.cache_clear()


@lru_cache(maxsize=4)
def sealer(purpose: str) -> Fernet:
    """The Fernet of one kind of mail link, under a key derived from the ``mail-link-key`` secret
    and ``purpose`` (``mail links``: these; ``invitation links``: :mod:`kring.mail.invitation_links`),
    so a token of one kind is never read as another."""
    from cryptography.fernet import Fernet

    derived = hashlib.sha256(f"kring {purpose}\x00".encode() + _key()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet() -> Fernet:
    return sealer("mail links")


def make_token(recipient: str, scope: Scope) -> str:
    payload = json.dumps({"r": recipient, "s": scope, "v": 1}, separators=(",", ":")).encode()
    return _fernet().encrypt(payload).decode("ascii").rstrip("=")


def read_token(token: str) -> LinkToken:
    """The token's recipient and scope; :class:`InvalidInputError` for anything Kring did not make."""
    from cryptography.fernet import InvalidToken

    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise InvalidInputError("not a mail link")
    padded = token + "=" * (-len(token) % 4)
    try:
        data = json.loads(_fernet().decrypt(padded.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise InvalidInputError("not a mail link") from exc
    recipient, scope = data.get("r"), data.get("s")
    if not isinstance(recipient, str) or scope not in SCOPES:
        raise InvalidInputError("not a mail link")
    return LinkToken(recipient=recipient, scope=scope)


def csrf_field(token: str) -> str:
    return hmac.new(_key(), b"csrf\x00" + token.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:32]


def csrf_ok(token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(csrf_field(token), given)


def unsubscribe_url(recipient: str, topic: Topic) -> str:
    return f"{config.links().base}/mail/unsubscribe/{make_token(recipient, topic)}"


def preferences_url(recipient: str) -> str:
    return f"{config.links().base}/mail/preferences/{make_token(recipient, 'preferences')}"
