"""The local stack's own settings (KRING_*), read once. Kring's functions never read these: the
stack turns them into the environment template.yaml gives the functions in AWS."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROVIDERS = ("greenhouse", "lever", "ashby", "recruitee", "teamtailor", "workable", "smartrecruiters")


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KRING_", extra="ignore")

    host: str = "127.0.0.1"
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
    ats_port: int | None = Field(
        default=None, ge=1, le=65535, description="the local fake of the ATS APIs; default: port + 3"
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
    careers_page_url: str = Field(
        default="https://careers.example.com/",
        pattern=r"^https://",
        description="the template's CareersPageUrl: where a click on a closed vacancy's link goes",
    )

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


def kept_secrets(settings: LocalSettings) -> dict[str, str]:
    """The admin token, every ATS's webhook secret and API key, and the hash keys: from the
    environment (``KRING_WEBHOOK_SECRET_LEVER`` …), else made once and kept in the data folder, so
    a restart keeps the links and curl commands a developer already has (and today's visitor
    hashes). The API keys only ever reach the local fake of the ATS APIs."""
    path = settings.data_dir / "secrets.json"
    kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted: dict[str, str | None] = {
        "admin-token": settings.admin_token,
        "visitor-hash-key": settings.visitor_hash_key,
        "identity-hash-key": settings.identity_hash_key,
    }
    for provider in PROVIDERS:
        wanted[f"webhook-secret-{provider}"] = getattr(settings, f"webhook_secret_{provider}")
        wanted[f"ats-api-key-{provider}"] = None
    for name, given in wanted.items():
        if given:
            kept[name] = given
        kept.setdefault(name, secrets.token_urlsafe(24))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept, indent=2))
    path.chmod(0o600)
    return kept
