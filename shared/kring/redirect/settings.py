"""The redirect's settings: read from the environment once, validated by hand, cached.

The redirect is Kring's hot path and its cold start is a feature, so it does not use
:mod:`kring.config` (pydantic-settings costs tens of milliseconds of import). This is the one
place on that path that reads ``os.environ``; tests call :func:`clear_cache` after changing it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

_PARAMETER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
# Names the redirect itself puts on the vacancy URL; the click token's parameter must differ.
RESERVED_PARAMETERS = frozenset({"utm_source", "utm_medium", "utm_campaign", "lever-source[]"})


class SettingsError(RuntimeError):
    """The environment does not configure the redirect (a deployment mistake: fail loudly)."""


@dataclass(frozen=True)
class RedirectSettings:
    table_name: str
    event_bus_name: str
    click_spool_queue_url: str
    careers_page_url: str
    click_token_parameter: str = "kref"  # noqa: S105 - a query parameter's name, not a secret
    secrets_ssm_path: str | None = None
    # Only without SECRETS_SSM_PATH (the local stack): the visitor key from KRING_VISITOR_HASH_KEY.
    visitor_hash_key_env: str | None = field(default=None, repr=False)
    link_cache_size: int = 20_000
    link_cache_seconds: float = 300.0
    vacancy_cache_size: int = 2_000
    vacancy_cache_seconds: float = 60.0
    missing_code_cache_size: int = 1_000
    user_agent_cache_size: int = 4_096


_INTEGERS = {
    "link_cache_size": "REDIRECT_LINK_CACHE_SIZE",
    "vacancy_cache_size": "REDIRECT_VACANCY_CACHE_SIZE",
    "missing_code_cache_size": "REDIRECT_MISSING_CODE_CACHE_SIZE",
    "user_agent_cache_size": "REDIRECT_USER_AGENT_CACHE_SIZE",
}
_SECONDS = {
    "link_cache_seconds": "REDIRECT_LINK_CACHE_SECONDS",
    "vacancy_cache_seconds": "REDIRECT_VACANCY_CACHE_SECONDS",
}


def _number(name: str, raw: str, problems: list[str], *, integer: bool) -> float | int | None:
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        problems.append(f"{name} must be a {'whole ' if integer else ''}number, not {raw!r}")
        return None
    if value < (1 if integer else 0):
        problems.append(f"{name} must be {'at least 1' if integer else 'zero or more'}, not {raw!r}")
        return None
    return value


def read(environ: dict[str, str] | None = None) -> RedirectSettings:
    """The settings from ``environ`` (default: the process environment); every problem at once."""
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []

    def required(name: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            problems.append(f"{name} is not set")
        return value

    values: dict[str, object] = {
        "table_name": required("TABLE_NAME"),
        "event_bus_name": required("EVENT_BUS_NAME"),
        "click_spool_queue_url": required("CLICK_SPOOL_QUEUE_URL"),
        "careers_page_url": required("CAREERS_PAGE_URL"),
    }
    careers = str(values["careers_page_url"])
    if careers:
        parts = urlsplit(careers)
        if parts.scheme != "https" or not parts.hostname:
            problems.append(f"CAREERS_PAGE_URL must be an absolute https URL, not {careers!r}")
    parameter = env.get("CLICK_TOKEN_PARAMETER", "").strip() or "kref"
    if not _PARAMETER_NAME.match(parameter) or parameter in RESERVED_PARAMETERS:
        problems.append(
            f"CLICK_TOKEN_PARAMETER must be 1-32 letters, digits, '_', '-' or '.', and not one of "
            f"{sorted(RESERVED_PARAMETERS)}; got {parameter!r}"
        )
    values["click_token_parameter"] = parameter
    ssm_path = env.get("SECRETS_SSM_PATH", "").strip() or None
    values["secrets_ssm_path"] = ssm_path
    if ssm_path is None:
        values["visitor_hash_key_env"] = env.get("KRING_VISITOR_HASH_KEY") or None
    for attribute, name in _INTEGERS.items():
        if env.get(name):
            values[attribute] = _number(name, env[name], problems, integer=True)
    for attribute, name in _SECONDS.items():
        if env.get(name):
            values[attribute] = _number(name, env[name], problems, integer=False)
    if problems:
        raise SettingsError("the redirect is not configured: " + "; ".join(problems))
    return RedirectSettings(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def settings() -> RedirectSettings:
    return read()


def clear_cache() -> None:
    settings.cache_clear()
