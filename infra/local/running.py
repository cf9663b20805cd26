"""Which local stack is running with a data folder: the stack notes itself in
``$KRING_DATA_DIR/stack.json`` while it runs, and the commands (``sign``, ``dlq``) read that note
instead of assuming the default port and folder."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from infra.local.settings import LocalSettings

NOTE = "stack.json"


class NoRunningStack(RuntimeError):
    pass


@dataclass(frozen=True)
class RunningStack:
    pid: int
    gateway_url: str
    aws_url: str


def _note(settings: LocalSettings) -> Path:
    return settings.data_dir / NOTE


def announce(settings: LocalSettings) -> RunningStack:
    """Note this process as the stack running with ``settings.data_dir``."""
    running = RunningStack(os.getpid(), settings.gateway_url, settings.aws_url)
    _note(settings).write_text(json.dumps(asdict(running), indent=2) + "\n")
    return running


def withdraw(settings: LocalSettings) -> None:
    """Remove the note, if it is this process's."""
    with_note = _read(settings)
    if with_note is not None and with_note.pid == os.getpid():
        _note(settings).unlink(missing_ok=True)


def _read(settings: LocalSettings) -> RunningStack | None:
    try:
        data = json.loads(_note(settings).read_text())
        return RunningStack(int(data["pid"]), str(data["gateway_url"]), str(data["aws_url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(gateway_url: str) -> bool:
    """Whether the gateway answers ``/healthz`` (ready or not: it runs)."""
    try:
        with urllib.request.urlopen(f"{gateway_url}/healthz", timeout=3):  # noqa: S310 - loopback
            return True
    except urllib.error.HTTPError:
        return True  # 503: loading, or DynamoDB Local is being restarted
    except OSError:
        return False


def where(settings: LocalSettings) -> str:
    """How a message names the settings the command looked with."""
    given = ", ".join(
        f"KRING_{name.upper()}" for name in ("data_dir", "port") if name in settings.model_fields_set
    )
    return f"the data folder {settings.data_dir.resolve()}" + (f" ({given})" if given else " (the default)")


def find(settings: LocalSettings) -> RunningStack:
    """The stack running with ``settings.data_dir`` (and on ``KRING_PORT``, when given), or
    :class:`NoRunningStack` saying why there is none."""
    hint = (
        "Start it with `make run`; if it runs with KRING_DATA_DIR or KRING_PORT set, set them here too"
        " (the banner prints each command with them)."
    )
    running = _read(settings)
    if running is None:
        raise NoRunningStack(f"No Kring stack is running with {where(settings)}. {hint}")
    if not _alive(running.pid) or not _answers(running.gateway_url):
        raise NoRunningStack(
            f"The Kring stack that ran with {where(settings)} (pid {running.pid}, {running.gateway_url})"
            f" is not running any more. {hint}"
        )
    if "port" in settings.model_fields_set and running.gateway_url != settings.gateway_url:
        raise NoRunningStack(
            f"The Kring stack running with {where(settings)} serves {running.gateway_url},"
            f" not {settings.gateway_url} (KRING_PORT): set both as the banner printed them."
        )
    return running


def already_running(settings: LocalSettings) -> RunningStack | None:
    """Another stack running with the same data folder (a second one would share its files)."""
    running = _read(settings)
    if running is None or running.pid == os.getpid():
        return None
    return running if _alive(running.pid) and _answers(running.gateway_url) else None
