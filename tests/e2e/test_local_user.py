"""A new user's local stack, end to end: installed by `make run-install` alone (what `make run`
installs), started with a non-default KRING_PORT and KRING_DATA_DIR, and then used as the banner
says — every command it prints run as printed, from a shell that has none of the KRING_ settings."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.dynamodb_local import free_port
from tests.support import listeners

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240  # a bound for a loaded machine, not a timing assertion
COMMAND_PREFIXES = ("curl ", "KRING_", ".venv/", "make ")


def _shell_env() -> dict[str, str]:
    """A user's shell: none of the stack's settings, no test set-up."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KRING_", "AWS_", "TABLE_", "POWERTOOLS_", "UV_PROJECT_ENVIRONMENT", "PYTEST"))
    }


@dataclass
class UserStack:
    url: str
    venv: Path
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    health_seen: list[str] = field(default_factory=list)
    totals_when_ready: dict[str, Any] = field(default_factory=dict)

    @property
    def banner(self) -> str:
        text = self.log.read_text()
        return text[text.index("Kring is running") : text.index("Ctrl-C stops.")]

    def commands(self) -> list[str]:
        return [
            line.strip()
            for line in self.banner.splitlines()
            if line.startswith("  ") and line.strip().startswith(COMMAND_PREFIXES)
        ]

    def token(self) -> str:
        [line] = [line for line in self.banner.splitlines() if line.strip().startswith("admin token")]
        return line.split()[2]  # "admin token <token>   (what it is for)"


def _run(command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    # The banner's command, as a user pastes it into a shell.
    return subprocess.run(  # noqa: S603
        ["bash", "-c", command],  # noqa: S607
        cwd=ROOT,
        env=_shell_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def user_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserStack]:
    home = tmp_path_factory.mktemp("user")
    venv = home / "venv"
    installed = subprocess.run(  # noqa: S603
        ["make", "run-install", f"VENV={venv}"],  # noqa: S607
        cwd=ROOT,
        env={**_shell_env(), "UV_OFFLINE": "1"},  # from the cache `make install` filled
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    port = free_port()
    data_dir = home / "kring data"  # a space in the path, as on many laptops
    env = {
        **_shell_env(),
        "KRING_PORT": str(port),
        "KRING_AWS_PORT": str(free_port()),
        "KRING_ATS_PORT": str(free_port()),
        "KRING_DYNAMODB_PORT": str(free_port()),
        "KRING_DATA_DIR": str(data_dir),
    }
    log = home / "stack.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(venv / "bin" / "python"), "-m", "infra.local"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    stack = UserStack(f"http://127.0.0.1:{port}", venv, data_dir, process, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            with contextlib.suppress(requests.ConnectionError):
                health = requests.get(f"{stack.url}/healthz", timeout=5)
                stack.health_seen.append(health.json()["status"])
                if health.status_code == 200:
                    break
            time.sleep(0.2)
        # The moment it says ready, the demo must be there (it used to say ready before loading it).
        token = json.loads((data_dir / "secrets.json").read_text())["admin-token"]
        funnel = requests.get(
            f"{stack.url}/api/program/funnel", headers={"authorization": f"Bearer {token}"}, timeout=10
        )
        stack.totals_when_ready = funnel.json()["totals"]
        while "Ctrl-C stops." not in log.read_text():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield stack
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_make_run_installs_what_running_needs_and_not_the_toolchain(user_stack: UserStack) -> None:
    python = str(user_stack.venv / "bin" / "python")
    for tool in ("pytest", "ruff", "mypy", "cfnlint", "hypothesis"):
        found = subprocess.run(  # noqa: S603
            [
                python,
                "-c",
                f"import importlib.util, sys; sys.exit(importlib.util.find_spec({tool!r}) is not None)",
            ],
            capture_output=True,
            check=False,
        )
        assert found.returncode == 0, f"{tool} is installed by `make run`"
    assert user_stack.process.poll() is None  # and the stack runs from that venv


def test_healthz_said_ready_only_once_the_demo_was_loaded(user_stack: UserStack) -> None:
    assert user_stack.totals_when_ready["applications"] == 3
    assert user_stack.totals_when_ready["hires"] == 1
    assert set(user_stack.health_seen) <= {"loading", "ready"}


def test_every_command_the_banner_prints_works_as_printed(user_stack: UserStack) -> None:
    commands = user_stack.commands()
    port = user_stack.url.rsplit(":", 1)[1]
    prefix = f"KRING_DATA_DIR={shlex.quote(str(user_stack.data_dir))} KRING_PORT={port} "
    curls = [c for c in commands if c.startswith("curl ")]
    # 2 lists, an import and the demo's import job, 5 of the demo's figures, its invitation campaign
    assert len(curls) == 10
    for command in curls:
        done = _run(command)
        assert done.returncode == 0, (command, done.stderr)
        answer = json.loads(done.stdout)
        assert "error" not in answer, (command, answer)
        assert "message" not in answer, (command, answer)

    [sign] = [c for c in commands if " sign greenhouse " in c]
    assert sign.startswith(prefix)
    delivered = _run(f"{sign} | sh")
    assert delivered.returncode == 0, delivered.stderr
    assert json.loads(delivered.stdout) == {"received": True}

    dlq, redrive = f"{prefix}make dlq", f"{prefix}make redrive"
    assert dlq in commands
    assert redrive in commands
    listed = _run(dlq)
    assert listed.returncode == 0, listed.stderr
    assert "kring-local-link-activity-dlq: " in listed.stdout
    assert "No Kring stack is running" not in listed.stderr
    redriven = _run(redrive)
    assert redriven.returncode == 0, redriven.stderr
    assert "message(s) put back" in redriven.stdout


def test_everything_the_stack_started_listens_on_the_loopback_address_only(user_stack: UserStack) -> None:
    found = listeners.of_processes(listeners.descendants(user_stack.process.pid))
    assert len(found) >= 4  # gateway, AWS endpoint, ATS fake, DynamoDB Local
    assert all(listener.loopback_only for listener in found), found


def _dynamodb_local_pid(user_stack: UserStack) -> int | None:
    for pid in listeners.descendants(user_stack.process.pid):
        with contextlib.suppress(OSError):
            if b"LoopbackDynamoDBLocal" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
    return None


def test_a_killed_dynamodb_local_is_started_again_and_the_stack_carries_on(user_stack: UserStack) -> None:
    before = _dynamodb_local_pid(user_stack)
    assert before is not None
    os.kill(before, signal.SIGKILL)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert time.monotonic() < deadline, user_stack.log.read_text()[-3000:]
        after = _dynamodb_local_pid(user_stack)
        with contextlib.suppress(requests.ConnectionError):
            if after not in (None, before) and requests.get(f"{user_stack.url}/healthz", timeout=5).ok:
                break
        time.sleep(0.2)
    admin = {"authorization": f"Bearer {user_stack.token()}"}
    created = requests.post(
        f"{user_stack.url}/api/ambassadors",
        json={"id": "E-AFTER", "name": "Ada Restart", "email": "ada@example.org"},
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    listed = requests.get(f"{user_stack.url}/api/ambassadors?limit=100", headers=admin, timeout=10)
    assert len(listed.json()["items"]) > 1  # the demo's ambassadors survived the restart
