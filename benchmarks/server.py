"""gunicorn for the benchmarks: started on a free port, waited for, its CPU read, stopped.

``bench_load.py`` serves the product to locust with it and ``bench_pages.py`` times every page
through it, as production serves them (``docker-compose.yml``'s web service runs gunicorn with
sync workers, ``--timeout`` and ``--worker-tmp-dir /dev/shm``).
"""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path

from common import PYTHON, ROOT

# docker-compose.yml's web service: gunicorn's sync worker run in one large frame.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "config.workers.SyncWorker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int,
    log: Path,
    env: Mapping[str, str],
    workers: int,
    *,
    timeout: int = 60,
    access_log: bool = True,
    cwd: Path = ROOT,
) -> subprocess.Popen[bytes]:
    """``config.wsgi`` served by ``workers`` sync workers; its output (and the access log, beside
    it) under ``log``'s folder."""
    command = [
        PYTHON, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", WORKER_CLASS,
        "--timeout", str(timeout),
        "--worker-tmp-dir", "/dev/shm",
    ]  # fmt: skip
    if access_log:
        command += ["--access-logfile", str(log.with_name("gunicorn-access.log"))]
    if int(version("gunicorn").split(".")[0]) >= 25:
        command.append("--no-control-socket")  # one per user otherwise, shared by every server
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )


def wait_healthy(
    base: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> float:
    """Seconds until ``/healthz`` answers 200."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:  # refused, reset or timed out while the workers boot
            pass
        time.sleep(0.2)
    raise SystemExit(f"/healthz did not answer 200 within {timeout:.0f}s")


def stop_gunicorn(server: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM (graceful), SIGKILL after 30 s; the exit status."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return server.returncode


def server_usage(pid: int) -> tuple[float, int]:
    """CPU seconds and minor page faults of the gunicorn master ``pid`` and its workers, live
    or ended, so far."""
    if not pid:
        return 0.0, 0
    ticks = faults = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if proc.name == str(pid):
            ticks += sum(int(v) for v in fields[11:15])  # its own and its ended workers'
            faults += int(fields[7]) + int(fields[8])
        elif fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
            faults += int(fields[7])
    return ticks / os.sysconf("SC_CLK_TCK"), faults


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds of the gunicorn master ``pid`` and its workers, live or ended, so far."""
    return server_usage(pid)[0]
