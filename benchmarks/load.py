"""The demo's home page under load: gunicorn (2 workers) driven by wrk over loopback.

    .venv/bin/python -m benchmarks.load [--seconds 10] [--rounds 2] [--sessions 200]

Needs ``pip install gunicorn`` and Debian's ``wrk``. sessionkit's cached_db (PostgreSQL +
Redis) with full tracking and the session panel, beside Django's cached_db with the
tutorial's counter; each request carries one of ``--sessions`` existing session cookies.
Rounds alternate; printed are requests/s and p99 latency, and the ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = """
cookies = {%s}
request = function()
  return wrk.format("GET", "/", {["Cookie"] = "sessionid=" .. cookies[math.random(#cookies)]})
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(stack: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "BENCH_STACK": stack,
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "demo_site.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn ({stack}) did not start")


def sessions(port: int, count: int) -> list[str]:
    """Session keys of ``count`` visitors that have come back once (so they are stored)."""
    keys = []
    for _ in range(count):
        first = urllib.request.urlopen(f"http://127.0.0.1:{port}/")
        cookie = SimpleCookie()
        for header in first.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
        header = "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Cookie": header})
        urllib.request.urlopen(request).close()
        keys.append(cookie["sessionid"].value)
    return keys


def run_wrk(port: int, keys: list[str], seconds: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{key}"' for key in keys))
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    assert p99 is not None, output
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    if re.search(r"Non-2xx or 3xx responses", output):
        raise RuntimeError(f"errors under load:\n{output}")
    return rps, float(p99.group(1)) * scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    from benchmarks.cleanup import ensure_database

    ensure_database()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings"}
    for stack in ("sessionkit", "django"):
        subprocess.run(
            [sys.executable, "manage.py", "demo", "--setup-only"],
            cwd=ROOT,
            env={**env, "BENCH_STACK": stack},
            check=True,
        )
    results: dict[str, list[tuple[float, float]]] = {"django": [], "sessionkit": []}
    for round_ in range(args.rounds):
        for stack in ("django", "sessionkit") if round_ % 2 == 0 else ("sessionkit", "django"):
            port = free_port()
            process = serve(stack, port)
            try:
                keys = sessions(port, args.sessions)
                run_wrk(port, keys, 2)  # warm up
                results[stack].append(run_wrk(port, keys, args.seconds))
            finally:
                process.terminate()
                process.wait(timeout=20)
    print(
        f"Demo home page, gunicorn -w 2, wrk -t2 -c16, {args.seconds}s x {args.rounds} rounds, "
        f"{args.sessions} sessions, cached_db on PostgreSQL + Redis"
    )
    summary = {}
    for stack, runs in results.items():
        rps = statistics.median(r for r, _ in runs)
        p99 = statistics.median(p for _, p in runs)
        summary[stack] = (rps, p99)
        print(f"  {stack:12} {rps:8.0f} requests/s   p99 {p99:6.1f} ms")
    ratio = summary["sessionkit"][0] / summary["django"][0]
    print(
        f"  throughput ratio sessionkit/Django: {ratio:.2f} (target ≥ 0.95)"
        f" {'met' if ratio >= 0.95 else 'MISSED'}"
    )
    print(f"  p99 ratio sessionkit/Django: {summary['sessionkit'][1] / summary['django'][1]:.2f}")


if __name__ == "__main__":
    main()
