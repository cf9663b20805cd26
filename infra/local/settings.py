"""The local stack's own settings (KRING_*), read once. Kring's functions never read these: the
stack turns them into the environment template.yaml gives the functions in AWS."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROVIDERS = ("greenhouse", "lever", "ashby", "recruitee", "teamtailor", "workable", "smartrecruiters")
# The ATSs whose API Kring calls with a key (``ats-api-key-<provider>``).
KEYED_PROVIDERS = ("lever", "smartrecruiters", "teamtailor", "workable")


class AtsSettingsError(ValueError):
    """Settings for a real ATS account that cannot work together."""


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KRING_", extra="ignore")

    host: str = Field(
        default="127.0.0.1", description="a loopback address: nothing listens beyond this machine"
    )
    port: int = Field(default=3000, ge=1, le=65535)
    aws_port: int | None = Field(default=None, ge=1, le=65535, description="default: port + 1")
    dynamodb_port: int | None = Field(default=None, ge=1, le=65535, description="default: port + 2")
    data_dir: Path = Path(".kring")
    demo: bool = True
    admin_token: str | None = None
    webhook_secret_greenhouse: str | None = None
    webhook_secret_lever: str | None = None
    webhook_secret_ashby: str | None = None
    webhook_secret_recruitee: str | None = None
    webhook_secret_teamtailor: str | None = None
    webhook_secret_workable: str | None = None
    webhook_secret_smartrecruiters: str | None = None
    visitor_hash_key: str | None = None
    identity_hash_key: str | None = None
    mail_link_key: str | None = None
    portal_key: str | None = None
    mail_from_address: str = Field(
        default="kring@kring.example.com",
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="the template's MailFromAddress (locally, mail only reaches the outbox)",
    )
    ats_port: int | None = Field(
        default=None, ge=1, le=65535, description="the local fake of the ATS APIs; default: port + 3"
    )
    # A real ATS account instead of the local fake (see real_ats): its API key, and where it lives.
    ats_api_key_lever: str | None = None
    ats_api_key_smartrecruiters: str | None = None
    ats_api_key_teamtailor: str | None = None
    ats_api_key_workable: str | None = None
    lever_site: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._-]{1,100}$", description="the template's LeverSite"
    )
    lever_api_host: Literal["api.lever.co", "api.eu.lever.co"] | None = Field(
        default=None, description="the template's LeverApiHost"
    )
    workable_subdomain: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="the template's WorkableSubdomain"
    )
    greenhouse_board: str = "kring-demo"
    # The demo organisation's accounts on the other job boards (the template's AshbyJobBoard,
    # RecruiteeSubdomain, TeamtailorSubdomain and SmartRecruitersCompany): a vacancy URL on a
    # shared job board is taken only for the organisation's own account.
    ashby_job_board: str = "kring-demo"
    recruitee_subdomain: str = "kring-demo"
    teamtailor_subdomain: str = "kring-demo"
    smartrecruiters_company: str = "kring-demo"
    public_base_url: str | None = None
    careers_hosts: str | None = Field(
        default=None, description="the template's CareersHosts: the organisation's own careers hosts"
    )
    reward_amount: str = Field(
        default="250",
        pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
        description="the template's RewardAmount: what a credited hire earns (0 = no rewards)",
    )
    instant_delay_seconds: int = Field(
        default=20,
        ge=0,
        le=900,
        description="the template's InstantNoticeDelaySeconds (300 in AWS): how long vacancy notices gather",
    )
    # single sign-on to the dashboard with a real identity provider (off when no issuer is given)
    oidc_issuer: str | None = Field(default=None, description="the template's OidcIssuer")
    oidc_client_id: str | None = Field(default=None, description="the template's OidcClientId")
    oidc_client_secret: str | None = Field(
        default=None, description="the client secret (/kring/<stage>/oidc-client-secret in AWS)"
    )
    careers_page_url: str = Field(
        default="https://careers.example.com/",
        pattern=r"^https://",
        description="the template's CareersPageUrl: where a click on a closed vacancy's link goes",
    )

    @field_validator("host")
    @classmethod
    def _loopback(cls, value: str) -> str:
        if value != "localhost" and not _is_loopback(value):
            raise ValueError(
                f"{value!r} is not a loopback address: the local stack holds ambassadors' names and e-mail"
                " addresses without authentication, so it listens on this machine only (127.0.0.1)"
            )
        return value

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def aws_url(self) -> str:
        return f"http://{self.host}:{self.aws_port or self.port + 1}"

    @property
    def ats_api_url(self) -> str:
        return f"http://{self.host}:{self.ats_port or self.port + 3}"

    @property
    def links_base_url(self) -> str:
        return (self.public_base_url or self.gateway_url).rstrip("/")


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def real_ats(settings: LocalSettings) -> dict[str, str]:
    """The ATSs whose real API the local stack calls, with what it calls: those given an account
    setting (an API key; Lever also its site or API host; Workable its subdomain). The others
    are served by the local fake. Raises :class:`AtsSettingsError` for settings that cannot work."""
    real: dict[str, str] = {}
    lever_host = settings.lever_api_host or "api.lever.co"
    if settings.ats_api_key_lever or settings.lever_site or settings.lever_api_host:
        what = [f"https://{lever_host}"]
        what.append(
            f"postings of jobs.lever.co/{settings.lever_site}" if settings.lever_site else "no postings feed"
        )
        what.append(
            "with your API key" if settings.ats_api_key_lever else "no API key: ids-only webhooks fail"
        )
        real["lever"] = ", ".join(what)
    if settings.workable_subdomain or settings.ats_api_key_workable:
        if not (settings.workable_subdomain and settings.ats_api_key_workable):
            raise AtsSettingsError(
                "a real Workable account needs both KRING_WORKABLE_SUBDOMAIN (<subdomain>.workable.com)"
                " and KRING_ATS_API_KEY_WORKABLE (a token with the r_jobs scope)"
            )
        real["workable"] = f"https://{settings.workable_subdomain}.workable.com/spi/v3, with your API key"
    if settings.ats_api_key_smartrecruiters:
        real["smartrecruiters"] = "https://api.smartrecruiters.com, with your API key"
    if settings.ats_api_key_teamtailor:
        real["teamtailor"] = "https://api.teamtailor.com/v1, with your API key"
    return real


def unknown_settings(environ: dict[str, str] | None = None) -> list[str]:
    """``KRING_*`` variables that are no setting of the local stack (a typo would be ignored)."""
    known = {f"KRING_{name.upper()}" for name in LocalSettings.model_fields}
    return sorted(
        n
        for n in (environ if environ is not None else os.environ)
        if n.startswith("KRING_") and n.upper() not in known
    )


def kept_secrets(settings: LocalSettings) -> dict[str, str]:
    """The admin token, every ATS's webhook secret, the API keys of the ATSs Kring calls, and the
    hash keys: from the environment (``KRING_WEBHOOK_SECRET_LEVER`` …), else made once and kept in
    the data folder, so a restart keeps the links and curl commands a developer already has (and
    today's visitor hashes). An API key made here only ever reaches the local fake of the ATS APIs;
    one given for a real account (``KRING_ATS_API_KEY_<PROVIDER>``) is used, and not written down."""
    path = settings.data_dir / "secrets.json"
    kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted: dict[str, str | None] = {
        "admin-token": settings.admin_token,
        "visitor-hash-key": settings.visitor_hash_key,
        "identity-hash-key": settings.identity_hash_key,
        "mail-link-key": settings.mail_link_key,
        "portal-key": settings.portal_key,
    }
    for provider in PROVIDERS:
        wanted[f"webhook-secret-{provider}"] = getattr(settings, f"webhook_secret_{provider}")
    for name, given in wanted.items():
        if given:
            kept[name] = given
        kept.setdefault(name, secrets.token_urlsafe(24))
    for provider in KEYED_PROVIDERS:
        kept.setdefault(f"ats-api-key-{provider}", secrets.token_urlsafe(24))  # for the fake
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept, indent=2))
    path.chmod(0o600)
    in_force = dict(kept)
    if settings.oidc_client_secret:  # used, and not written down
        in_force["oidc-client-secret"] = settings.oidc_client_secret
    for provider in KEYED_PROVIDERS:
        if given_key := getattr(settings, f"ats_api_key_{provider}"):
            in_force[f"ats-api-key-{provider}"] = given_key
    return in_force
