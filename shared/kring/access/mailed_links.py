"""Signing in with a link mailed to a known address, whoever signs in (an ambassador in the portal,
a talent-team user in the dashboard): the rate limits asked for before anything else, and the
``sign_in`` mail.

Limits: at most :data:`PER_ADDRESS_LIMIT` links per address hash in :data:`PER_ADDRESS_WINDOW`, and
:data:`OVERALL_LIMIT_PER_MINUTE` in all per minute — counted for unknown addresses too, so an
unknown address costs the same and answers the same as a known one. Each realm counts on its own
scopes (``signin-…`` for the portal, ``team-signin-…`` for the dashboard).

The mail is sent at once, straight through SES: the person is waiting for it. (It is not a kind of
the mail queue's registry: those are sent once per period with unsubscribe links; a sign-in mail
is one a person asked for, has no unsubscribe link, and must not wait behind a digest run.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kring import config
from kring.integrations.ses import OutgoingMail
from kring.mail.i18n import Translator, locale_of
from kring.mail.render import render_mail

if TYPE_CHECKING:
    from kring.dal.sign_ins import SignInStore
    from kring.integrations.ses import MailTransport

LINK_MINUTES = 15
PER_ADDRESS_LIMIT = 5
PER_ADDRESS_WINDOW = timedelta(minutes=15)
OVERALL_LIMIT_PER_MINUTE = 120
MAX_ADDRESS_LENGTH = 254


@dataclass(frozen=True)
class LinkMail:
    """What the ``sign_in`` templates show (as ``mail``)."""

    url: str
    minutes: int


def window(now: datetime, length: timedelta) -> tuple[str, datetime]:
    """The fixed window ``now`` falls in (its start, as epoch seconds) and when its counter may go."""
    seconds = int(length.total_seconds())
    start = int(now.timestamp()) // seconds * seconds
    return str(start), datetime.fromtimestamp(start + seconds, tz=now.tzinfo) + length


def allowed(store: SignInStore, realm: str, address_hash: str, now: datetime) -> bool:
    """Count one link asked for ``address_hash`` in ``realm`` (``""``: the portal's historical
    scopes); False when the address's or the overall limit is reached."""
    scope, expires = window(now, PER_ADDRESS_WINDOW)
    address = f"{realm}signin-addr#{address_hash}"
    if not store.count(address, scope, limit=PER_ADDRESS_LIMIT, expires_at=expires):
        return False
    minute, until = window(now, timedelta(minutes=1))
    return store.count(f"{realm}signin-all", minute, limit=OVERALL_LIMIT_PER_MINUTE, expires_at=until)


def send_link(*, to: str, name: str, locale: str, url: str, transport: MailTransport) -> None:
    """The ``sign_in`` mail with ``url``, in ``locale``, greeting ``name`` by their first name."""
    settings = config.mail()
    t = Translator(locale_of(locale), settings.mail_time_zone)
    rendered = render_mail(
        "sign_in",
        t=t,
        subject=t("sign_in.subject", programme=settings.programme_name),
        context={
            "mail": LinkMail(url=url, minutes=LINK_MINUTES),
            "first_name": name.split(maxsplit=1)[0] if name.strip() else name,
            "programme": settings.programme_name,
        },
    )
    transport.send(
        OutgoingMail(
            to=to,
            subject=rendered.subject,
            html=rendered.html,
            text=rendered.text,
            lang=rendered.lang,
            unsubscribe_url=None,  # one asked for it: nothing to unsubscribe from
        )
    )
