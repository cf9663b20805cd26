"""Constrained types shared by entities, events and API models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, StringConstraints

Provider = Literal["greenhouse", "lever", "ashby", "recruitee", "teamtailor", "workable", "smartrecruiters"]
PROVIDERS: tuple[Provider, ...] = (
    "greenhouse",
    "lever",
    "ashby",
    "recruitee",
    "teamtailor",
    "workable",
    "smartrecruiters",
)

Phase = Literal["awareness", "interest", "consideration", "decision", "evangelize"]
PHASES: tuple[Phase, ...] = ("awareness", "interest", "consideration", "decision", "evangelize")
SHARING_PHASES: frozenset[Phase] = frozenset({"decision", "evangelize"})

Locale = Literal["nl", "en"]
LOCALES: tuple[Locale, ...] = ("nl", "en")
Network = Literal["linkedin", "x", "facebook", "whatsapp", "email"]
NETWORKS: tuple[Network, ...] = ("linkedin", "x", "facebook", "whatsapp", "email")
# Where a click came from: the network of the share button, or "direct" for a link copied by hand.
Channel = Literal["linkedin", "x", "facebook", "whatsapp", "email", "direct"]
CHANNELS: tuple[Channel, ...] = (*NETWORKS, "direct")
# An application's channel: its click's, or "referral" for an application a referral in the ATS
# credited (whatever click came before). In the funnels, an application nobody brought counts in
# a channel of its own, "unattributed", so that the channels add up to the total.
ApplicationChannel = Literal["linkedin", "x", "facebook", "whatsapp", "email", "direct", "referral"]
FunnelChannel = Literal[
    "linkedin", "x", "facebook", "whatsapp", "email", "direct", "referral", "unattributed"
]
FUNNEL_CHANNELS: tuple[FunnelChannel, ...] = (*CHANNELS, "referral", "unattributed")
# How the redirect classified a visitor. Everything but "human" is a bot click (HEAD never counts).
VisitorKind = Literal["human", "head", "preview", "crawler", "scanner"]
VISITOR_KINDS: tuple[VisitorKind, ...] = ("human", "head", "preview", "crawler", "scanner")
# The redirect's reason for a scanner that is one only because its browser-like request came
# without Accept-Language (kring.redirect.classify; a test keeps the two equal). The click recorder
# counts these on their own, by channel, to watch that assumption.
NO_ACCEPT_LANGUAGE = "no Accept-Language"

# Employee ids, vacancy ids and reward ids end up inside DynamoDB keys and URLs: keep them to a
# safe alphabet, without the key separator '#', and short (64 ASCII characters keep every key that
# holds one far under DynamoDB's 2 KB partition-key and 1 KB sort-key limits). No trimming: a
# lookup matches the id exactly ("E1001 " names nobody); input models that forgive spaces around a
# value (AmbassadorInput's str_strip_whitespace) strip them before this check.
_ID = StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")
AmbassadorId = Annotated[str, _ID]
VacancyId = Annotated[str, _ID]
RewardId = Annotated[str, _ID]

# An id an ATS gave (an application, a candidate, a job, a post): 1 to 40 of A-Z a-z 0-9 . _ : @ -
# (kring.integrations.ats.provider_kit reads anything else as no id at all).
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._:@-]+$")]
# What an ATS stage means, whatever the ATS calls it (stages only move forward in Kring's counting).
StageKind = Literal["applied", "screening", "interview", "offer", "hired", "other"]
# The attribution rules, in order, and the method of a decision: the rule that won, or none.
AttributionRule = Literal["referral", "click_token", "share_code"]
AttributionMethod = Literal["referral", "click_token", "share_code", "unattributed"]
# Which click a decision credits when an application has several (the installation's setting).
AttributionModel = Literal["last_click", "first_click"]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHARE_CODE_LENGTH = 10  # 10 base62 characters ≈ 59.5 bits
ShareCode = Annotated[str, StringConstraints(pattern=rf"^[0-9A-Za-z]{{{SHARE_CODE_LENGTH}}}$")]


def _https(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("must be an absolute https URL")
    return value


HttpsUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_https)]


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing. ``cursor`` is the store's own position (LastEvaluatedKey, plain
    values) or None on the last page; the API turns it into an opaque, validated token."""

    items: list[T]
    cursor: dict[str, Any] | None = None
