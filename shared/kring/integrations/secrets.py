"""Secrets: SSM SecureString parameters in AWS, environment variables on the local stack.

Never a default in code. A missing secret reads as ``None`` and the caller decides (a webhook
for an unconfigured provider is a 404; the admin API without a token refuses everyone).
"""

from __future__ import annotations

from kring import config
from kring.errors import TransientError


def get_secret(name: str) -> str | None:
    settings = config.secrets()
    if settings.secrets_ssm_path is None:
        return config.env_secret(name)
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    path = settings.secrets_ssm_path.rstrip("/") + "/" + name
    try:
        value = parameters.get_parameter(path, decrypt=True, max_age=settings.secrets_cache_seconds)
    except GetParameterError as exc:
        if "ParameterNotFound" in str(exc.__cause__ or exc):
            return None
        raise
    return value or None


def required_key(name: str) -> bytes:
    """A secret Kring cannot work without, as key bytes (for an HMAC or Fernet):
    :class:`TransientError` when it is not configured, so the request or message fails and is
    retried once the deploy has it, and never runs with a made-up key."""
    secret = get_secret(name)
    if not secret:
        raise TransientError(f"the {name} secret is not configured")
    return secret.encode("utf-8")


def is_configured(name: str) -> bool:
    """Whether a secret is configured, without its value leaving SSM: in AWS the parameter is
    read undecrypted (a SecureString's ciphertext, thrown away); locally its variable is set."""
    settings = config.secrets()
    if settings.secrets_ssm_path is None:
        return bool(config.env_secret(name))
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    path = settings.secrets_ssm_path.rstrip("/") + "/" + name
    try:
        value = parameters.get_parameter(path, decrypt=False, max_age=settings.secrets_cache_seconds)
    except GetParameterError as exc:
        if "ParameterNotFound" in str(exc.__cause__ or exc):
            return False
        raise
    return bool(value)
