"""The personal link of an invitation to the programme: ``/portal/invitation/<token>``.

The token is opaque, as the unsubscribe links' are (:mod:`kring.mail.unsubscribe`): the ambassador
and the campaign, encrypted and authenticated with Fernet under a key derived from the
``mail-link-key`` secret for this purpose only, so it is never read as another kind of mail link.
Nothing in the URL names anyone, and nobody can make or change one without the key. It signs
nobody in: opening it records that the person was interested and shows the programme page; the
page's one button mails a sign-in link to the address on the roster (never to one in the URL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kring import config
from kring.errors import InvalidInputError
from kring.mail.unsubscribe import MAX_TOKEN_LENGTH, sealer

PURPOSE = "invitation links"


@dataclass(frozen=True)
class Invitation:
    ambassador_id: str
    campaign_id: str


def make_token(invitation: Invitation) -> str:
    payload = json.dumps(
        {"a": invitation.ambassador_id, "c": invitation.campaign_id, "v": 1}, separators=(",", ":")
    ).encode()
    return sealer(PURPOSE).encrypt(payload).decode("ascii").rstrip("=")


def read_token(token: str) -> Invitation:
    """Whose invitation of which campaign; :class:`InvalidInputError` for anything Kring did not make."""
    from cryptography.fernet import InvalidToken

    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise InvalidInputError("not an invitation link")
    padded = token + "=" * (-len(token) % 4)
    try:
        data = json.loads(sealer(PURPOSE).decrypt(padded.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise InvalidInputError("not an invitation link") from exc
    ambassador_id, campaign_id = data.get("a"), data.get("c")
    if not isinstance(ambassador_id, str) or not isinstance(campaign_id, str) or data.get("v") != 1:
        raise InvalidInputError("not an invitation link")
    return Invitation(ambassador_id, campaign_id)


def invitation_url(invitation: Invitation) -> str:
    return f"{config.links().base}/portal/invitation/{make_token(invitation)}"
