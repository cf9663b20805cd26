"""The local stack's own settings (KRING_*), read once. Kring's functions never read these: the
stack turns them into the environment template.yaml gives the functions in AWS."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    visitor_hash_key: str | None = None
    greenhouse_board: str = "kring-demo"
    public_base_url: str | None = None
    allowed_vacancy_hosts: str | None = None
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
    def links_base_url(self) -> str:
        return (self.public_base_url or self.gateway_url).rstrip("/")


def kept_secrets(settings: LocalSettings) -> dict[str, str]:
    """The admin token, webhook secrets and the visitor-hash key: from the environment, else made
    once and kept in the data folder, so a restart keeps the links and curl commands a developer
    already has (and today's visitor hashes)."""
    path = settings.data_dir / "secrets.json"
    kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "admin-token": settings.admin_token,
        "webhook-secret-greenhouse": settings.webhook_secret_greenhouse,
        "visitor-hash-key": settings.visitor_hash_key,
    }
    for name, given in wanted.items():
        if given:
            kept[name] = given
        kept.setdefault(name, secrets.token_urlsafe(24))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept, indent=2))
    path.chmod(0o600)
    return kept
