"""Configuration: the environment, read once into validated settings models.

Every function reads its settings through one of the cached accessors below; nothing else in
Kring touches ``os.environ``. Tests call :func:`clear_caches` after changing the environment.

One exception, on purpose: the redirect (``GET /r/{code}``, Kring's hot path) reads its handful
of settings in :mod:`kring.redirect.settings` — a small dataclass, validated by hand, read once and
cached — because importing pydantic-settings would cost its cold start tens of milliseconds.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kring.models.common import AttributionModel


class _Base(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)


class TableSettings(_Base):
    """The single table and the idempotency table (names from template.yaml)."""

    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    idempotency_table_name: str = Field(alias="IDEMPOTENCY_TABLE_NAME", min_length=1)


class BusSettings(_Base):
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)


class SecretSettings(_Base):
    """Where secrets live: an SSM path in AWS, the environment on the local stack.

    With ``SECRETS_SSM_PATH`` set (``/kring/<stage>/``), a secret called ``admin-token`` is the
    SecureString parameter ``/kring/<stage>/admin-token``. Without it, the same secret is read
    from the environment variable ``KRING_ADMIN_TOKEN``.
    """

    secrets_ssm_path: str | None = Field(default=None, alias="SECRETS_SSM_PATH")
    secrets_cache_seconds: int = Field(default=300, alias="SECRETS_CACHE_SECONDS", ge=0)


class LinkSettings(_Base):
    public_base_url: AnyHttpUrl = Field(alias="PUBLIC_BASE_URL")

    @property
    def base(self) -> str:
        return str(self.public_base_url).rstrip("/")


class VacancySettings(_Base):
    """Where the organisation publishes its vacancies: the only pages Kring hands ambassadors.

    Per ATS, the organisation's own account on that ATS's job board (empty = not configured: no
    URL on that job board is taken, see :mod:`kring.intake.vacancy_urls`), and the organisation's own
    careers hosts, which any provider's vacancy may point to.
    """

    greenhouse_board_token: str | None = Field(default=None, alias="GREENHOUSE_BOARD_TOKEN")
    lever_site: str = Field(default="", alias="LEVER_SITE", description="jobs.lever.co/<site>")
    lever_jobs_host: Literal["jobs.lever.co", "jobs.eu.lever.co"] = Field(
        default="jobs.lever.co", alias="LEVER_JOBS_HOST", description="jobs.eu.lever.co for an EU account"
    )
    ashby_job_board: str = Field(default="", alias="ASHBY_JOB_BOARD", description="jobs.ashbyhq.com/<board>")
    recruitee_subdomain: str = Field(
        default="", alias="RECRUITEE_SUBDOMAIN", description="<subdomain>.recruitee.com"
    )
    teamtailor_subdomain: str = Field(
        default="", alias="TEAMTAILOR_SUBDOMAIN", description="<subdomain>.teamtailor.com (acme, acme.na)"
    )
    workable_subdomain: str = Field(
        default="", alias="WORKABLE_SUBDOMAIN", description="apply.workable.com/<subdomain>"
    )
    smartrecruiters_company: str = Field(
        default="", alias="SMARTRECRUITERS_COMPANY", description="jobs.smartrecruiters.com/<company id>"
    )
    careers_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        alias="CAREERS_HOSTS",
        description="The organisation's own careers hosts; *.example.com for every subdomain",
    )

    @field_validator("careers_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(h.strip().lower() for h in value.split(",") if h.strip())
        return value

    @field_validator(
        "lever_site",
        "ashby_job_board",
        "recruitee_subdomain",
        "teamtailor_subdomain",
        "workable_subdomain",
        "smartrecruiters_company",
        mode="before",
    )
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class WebhookSettings(_Base):
    max_body_bytes: int = Field(default=1024 * 1024, alias="WEBHOOK_MAX_BODY_BYTES", gt=0)


class AtsSettings(_Base):
    """Where ids-only deliveries wait for their API calls, and the ATS APIs' base URLs (overridden
    locally and in tests to point at a fake of the API)."""

    ats_fetch_queue_url: str = Field(default="", alias="ATS_FETCH_QUEUE_URL")
    ats_api_timeout_seconds: float = Field(default=4.0, alias="ATS_API_TIMEOUT_SECONDS", gt=0, le=30)
    lever_api_url: str = Field(default="https://api.lever.co/v1", alias="LEVER_API_URL")
    lever_site: str = Field(default="", alias="LEVER_SITE", description="jobs.lever.co/<site>")
    lever_postings_url: str = Field(default="https://api.lever.co/v0/postings", alias="LEVER_POSTINGS_URL")
    workable_api_url: str = Field(
        default="", alias="WORKABLE_API_URL", description="https://<subdomain>.workable.com/spi/v3"
    )
    smartrecruiters_api_url: str = Field(
        default="https://api.smartrecruiters.com", alias="SMARTRECRUITERS_API_URL"
    )
    teamtailor_api_url: str = Field(default="https://api.teamtailor.com/v1", alias="TEAMTAILOR_API_URL")
    ashby_api_url: str = Field(default="https://api.ashbyhq.com", alias="ASHBY_API_URL")
    recruitee_api_url: str = Field(default="https://api.recruitee.com", alias="RECRUITEE_API_URL")


class FanoutSettings(_Base):
    fanout_queue_url: str = Field(alias="FANOUT_QUEUE_URL", min_length=1)
    fanout_page_size: int = Field(default=500, alias="FANOUT_PAGE_SIZE", ge=1, le=5000)


class AttributionSettings(_Base):
    """How long a click can still earn its ambassador an application (click records live that long,
    plus a margin)."""

    attribution_window_days: int = Field(default=30, alias="ATTRIBUTION_WINDOW_DAYS", ge=1, le=365)
    attribution_model: AttributionModel = Field(
        default="last_click",
        alias="ATTRIBUTION_MODEL",
        description="Which of several valid clicks earns the credit: the last one or the first one",
    )


class RewardSettings(_Base):
    """The referral reward plan: an amount per credited hire ("0" = no rewards), payable once the
    hire has lasted the holding period."""

    reward_amount: Decimal = Field(default=Decimal("0"), alias="REWARD_AMOUNT", ge=0, max_digits=12)
    reward_currency: str = Field(default="EUR", alias="REWARD_CURRENCY", pattern=r"^[A-Z]{3}$")
    reward_holding_days: int = Field(default=90, alias="REWARD_HOLDING_DAYS", ge=0, le=3650)


class ApiSettings(_Base):
    api_page_size: int = Field(default=50, alias="API_PAGE_SIZE", ge=1, le=500)
    # Lambda takes at most 6 MB per request, and a multipart upload reaches it base64-encoded (4/3).
    import_max_bytes: int = Field(default=4 * 1024 * 1024, alias="IMPORT_MAX_BYTES", gt=0, le=4 * 1024 * 1024)


class ImportSettings(_Base):
    """Where an uploaded ambassador file's chunks wait for the import function."""

    import_queue_url: str = Field(alias="IMPORT_QUEUE_URL", min_length=1)


class MailSettings(_Base):
    """Mail: who it comes from, SES's configuration set (its events: bounces, complaints), the queue
    the planner fills and the sender drains, the time zone dates in a mail are written in, and how
    long an instant vacancy notice gathers."""

    mail_from_address: str = Field(alias="MAIL_FROM_ADDRESS", min_length=3)
    mail_from_name: str = Field(default="Kring", alias="MAIL_FROM_NAME", max_length=100)
    programme_name: str = Field(default="Kring", alias="MAIL_PROGRAMME_NAME", min_length=1, max_length=100)
    mail_reply_to: str = Field(default="", alias="MAIL_REPLY_TO")
    ses_configuration_set: str = Field(default="", alias="SES_CONFIGURATION_SET")
    mail_queue_url: str = Field(default="", alias="MAIL_QUEUE_URL")
    mail_time_zone: str = Field(default="Europe/Amsterdam", alias="MAIL_TIME_ZONE", min_length=1)
    mail_send_attempts: int = Field(default=5, alias="MAIL_SEND_ATTEMPTS", ge=1, le=10)
    reward_holding_days: int = Field(default=90, alias="REWARD_HOLDING_DAYS", ge=0, le=3650)
    mail_sends_per_second: float = Field(default=10, alias="MAIL_SENDS_PER_SECOND", gt=0, le=1000)
    mail_sender_concurrency: int = Field(default=2, alias="MAIL_SENDER_CONCURRENCY", ge=1, le=1000)
    # How long a "new vacancy, now" notice gathers before it is mailed (SQS DelaySeconds: ≤ 15 min).
    instant_notice_delay_seconds: int = Field(default=300, alias="INSTANT_NOTICE_DELAY_SECONDS", ge=0, le=900)

    @property
    def send_interval_seconds(self) -> float:
        """The least time between two sends of one sender: the senders together stay under the rate."""
        return self.mail_sender_concurrency / self.mail_sends_per_second


@lru_cache(maxsize=1)
def mail() -> MailSettings:
    return MailSettings()


class OpsSettings(_Base):
    """What the talent-team digest watches: the dead-letter queues (``name=url`` pairs, comma
    separated, e.g. ``FanoutDLQ=https://sqs…/kring-prod-fanout-dlq``), and how long an ATS may
    stay silent before it needs a person."""

    dead_letter_queues: str = Field(default="", alias="DEAD_LETTER_QUEUES")
    # Where the dashboard's Redrive button puts a DLQ's messages back (``name=source``: the queue
    # whose redrive policy parked them; ``name=<queue url>``: a rule target's queue). A DLQ not
    # named here is redriven with ``make redrive`` only (a function's or a schedule's).
    dead_letter_redrive: str = Field(default="", alias="DEAD_LETTER_REDRIVE")
    ats_silence_days: int = Field(default=7, alias="ATS_SILENCE_DAYS", ge=1, le=365)

    @property
    def dead_letter_queue_urls(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for pair in self.dead_letter_queues.split(","):
            name, _, url = pair.strip().partition("=")
            if name and url:
                out[name.strip()] = url.strip()
        return out

    @property
    def redrive_targets(self) -> dict[str, str | None]:
        """DLQ name → the queue URL its messages go back to (None: the queue that parked them)."""
        out: dict[str, str | None] = {}
        for pair in self.dead_letter_redrive.split(","):
            name, _, target = pair.strip().partition("=")
            if name and target:
                out[name.strip()] = None if target.strip() == "source" else target.strip()
        return out


class OidcSettings(_Base):
    """The dashboard's single sign-on over OpenID Connect (template parameters ``OidcIssuer``,
    ``OidcClientId``, ``OidcClientSecretName``). An empty issuer turns it off: the sign-in page
    offers the mailed link only. The client secret is the secret ``oidc_client_secret_name`` (SSM
    ``/kring/<stage>/<name>``; ``KRING_OIDC_CLIENT_SECRET`` locally)."""

    oidc_issuer: str = Field(default="", alias="OIDC_ISSUER", max_length=300)
    oidc_client_id: str = Field(default="", alias="OIDC_CLIENT_ID", max_length=300)
    oidc_client_secret_name: str = Field(
        default="oidc-client-secret", alias="OIDC_CLIENT_SECRET_NAME", pattern=r"^[A-Za-z0-9_.-]{1,100}$"
    )
    oidc_timeout_seconds: float = Field(default=5.0, alias="OIDC_TIMEOUT_SECONDS", gt=0, le=10)

    @field_validator("oidc_issuer", "oidc_client_id", mode="before")
    @classmethod
    def _trimmed(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("oidc_issuer")
    @classmethod
    def _https(cls, value: str) -> str:
        local = value.startswith(("http://127.0.0.1:", "http://localhost:"))
        if value and not (value.startswith("https://") or local):
            raise ValueError("the OpenID Connect issuer must be an https URL")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)


@lru_cache(maxsize=1)
def oidc() -> OidcSettings:
    return OidcSettings()


@lru_cache(maxsize=1)
def tables() -> TableSettings:
    return TableSettings()


@lru_cache(maxsize=1)
def bus() -> BusSettings:
    return BusSettings()


@lru_cache(maxsize=1)
def secrets() -> SecretSettings:
    return SecretSettings()


@lru_cache(maxsize=1)
def links() -> LinkSettings:
    return LinkSettings()


@lru_cache(maxsize=1)
def vacancies() -> VacancySettings:
    return VacancySettings()


@lru_cache(maxsize=1)
def webhooks() -> WebhookSettings:
    return WebhookSettings()


@lru_cache(maxsize=1)
def ats() -> AtsSettings:
    return AtsSettings()


@lru_cache(maxsize=1)
def fanout() -> FanoutSettings:
    return FanoutSettings()


@lru_cache(maxsize=1)
def api() -> ApiSettings:
    return ApiSettings()


@lru_cache(maxsize=1)
def imports() -> ImportSettings:
    return ImportSettings()


@lru_cache(maxsize=1)
def attribution() -> AttributionSettings:
    return AttributionSettings()


@lru_cache(maxsize=1)
def rewards() -> RewardSettings:
    return RewardSettings()


@lru_cache(maxsize=64)
def env_secret(name: str) -> str | None:
    """A secret from the environment (local stack): ``admin-token`` → ``KRING_ADMIN_TOKEN``."""

    class _One(_Base):
        value: str | None = Field(default=None, alias="KRING_" + name.upper().replace("-", "_"))

    return _One().value or None


@lru_cache(maxsize=1)
def ops() -> OpsSettings:
    return OpsSettings()


def clear_caches() -> None:
    for accessor in (
        tables,
        bus,
        secrets,
        links,
        vacancies,
        webhooks,
        ats,
        fanout,
        api,
        imports,
        env_secret,
        attribution,
        rewards,
        mail,
        ops,
        oidc,
    ):
        accessor.cache_clear()
