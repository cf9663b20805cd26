"""The ATS registry (provider name → provider module) and the intake every webhook goes through,
whichever ATS sent it. The registry imports the providers; no provider imports it.

Adding an ATS is one module implementing :class:`~kring.integrations.ats.base.WebhookProvider`
plus one line in :data:`_PROVIDERS`. Its secret is ``webhook-secret-<provider>`` (SSM in AWS,
``KRING_WEBHOOK_SECRET_<PROVIDER>`` on the local stack); without one the provider is not connected
and its webhook URL answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from kring import config
from kring.errors import PayloadTooLargeError, ProviderNotConfiguredError, UnauthorizedError
from kring.integrations.ats import (
    ashby,
    greenhouse,
    lever,
    recruitee,
    smartrecruiters,
    teamtailor,
    workable,
)
from kring.integrations.ats.base import (
    Delivery,
    FetchingProvider,
    JobBoard,
    PolledProvider,
    ReconciledProvider,
    Reply,
    WebhookProvider,
    parse_json,
)
from kring.integrations.ats.provider_kit import secret_name
from kring.integrations.secrets import get_secret

_PROVIDERS: dict[str, WebhookProvider] = {
    greenhouse.NAME: greenhouse,
    lever.NAME: lever,
    ashby.NAME: ashby,
    recruitee.NAME: recruitee,
    workable.NAME: workable,
    teamtailor.NAME: teamtailor,
    smartrecruiters.NAME: smartrecruiters,
}

PROVIDER_NAMES: tuple[str, ...] = tuple(_PROVIDERS)  # every ATS Kring knows


def provider(name: str) -> WebhookProvider:
    found = _PROVIDERS.get(name)
    if found is None:
        raise ProviderNotConfiguredError(f"no ATS called {name[:40]!r}")
    return found


def fetching_provider(name: str) -> FetchingProvider:
    """The provider whose ids-only deliveries ``ats_fetch`` completes through its API."""
    found = provider(name)
    if not hasattr(found, "fetch"):
        raise ProviderNotConfiguredError(f"{name} has no API client")
    return cast("FetchingProvider", found)


def polled_provider(name: str) -> PolledProvider:
    """The provider whose published jobs the job poller reads (no job webhook)."""
    found = _PROVIDERS.get(name)
    if found is None or not hasattr(found, "published_posts"):
        raise ProviderNotConfiguredError(f"{name[:40]!r} has no job feed to poll")
    return cast("PolledProvider", found)


def reconciled_provider(name: str) -> ReconciledProvider | None:
    """The provider whose recently updated applications the job poller re-reads (its webhooks
    are never retried), or ``None``."""
    found = _PROVIDERS.get(name)
    if found is None or not hasattr(found, "applications_updated_since"):
        return None
    return cast("ReconciledProvider", found)


def job_boards() -> dict[str, JobBoard]:
    """Every provider's job board and the organisation's account on it, as configured now."""
    return {name: module.job_board() for name, module in _PROVIDERS.items()}


def open_delivery(name: str, headers: Mapping[str, str], raw_body: bytes) -> Delivery | Reply:
    """Check one webhook request and normalise it, in this order:

    unknown provider → :class:`ProviderNotConfiguredError` (404); body over the limit →
    :class:`PayloadTooLargeError` (413); a handshake → its :class:`Reply`; a provider without a
    webhook secret → 404; bad or missing signature → :class:`UnauthorizedError` (401); then the
    body is parsed, and malformed JSON or an unusable payload →
    :class:`~kring.errors.InvalidInputError` (400). Nothing is parsed before the signature has been
    verified over the raw bytes — except by a handshake, which each module keeps to the exact
    request its provider sends *before* there is a secret to sign with (Recruitee shows the secret
    only after its test request got 200; SmartRecruiters activates before a signing key exists).
    A handshake stores nothing and answers nothing but its acknowledgement.
    """
    ats = provider(name)
    limit = config.webhooks().max_body_bytes
    if len(raw_body) > limit:
        raise PayloadTooLargeError(f"the body is over {limit} bytes")
    lowered = {k.lower(): v for k, v in headers.items()}
    reply = ats.handshake(lowered, raw_body)
    if reply is not None:
        return reply
    secret = get_secret(secret_name(ats.NAME))
    if not secret:
        raise ProviderNotConfiguredError(f"{ats.NAME} is not connected (no webhook secret)")
    if not ats.verify(lowered, raw_body, secret):
        raise UnauthorizedError("missing or wrong signature")
    # A provider whose event name is a header (SmartRecruiters) wraps the body with its headers.
    parse = getattr(ats, "parse_delivery", None)
    payload = parse(lowered, raw_body) if callable(parse) else parse_json(raw_body)
    return Delivery(
        provider=ats.NAME,
        delivery_id=ats.delivery_id(lowered, raw_body),
        event=ats.event_name(payload),
        ack_status=ats.ACK_STATUS,
        changes=tuple(ats.normalise(payload)),
    )
