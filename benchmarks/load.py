"""Pages under load: gunicorn (WSGI) and uvicorn (ASGI), 2 workers each, driven by wrk over
loopback.

    .venv/bin/python -m benchmarks.load [--seconds 10] [--rounds 2] [--sessions 200]
        [--history 100] [--server gunicorn|uvicorn|both] [--page tracked|demo|both]

Needs ``pip install -e ".[bench]"`` and Debian's ``wrk``. sessionkit's cached_db (PostgreSQL
+ Redis) with full tracking, beside Django's cached_db with the tutorial's counter, with
persistent database connections on both sides (a pool under uvicorn, as Django advises). Two pages:

- ``tracked``: the request of ``benchmarks.engines`` section 2 — sessionkit's middleware with
  tracking and a template printing five ``session`` fields (``/tracked/``) against Django's
  middleware with the num_visits counter (``/counter/``), each over 20 paths;
- ``demo``: the demo's home page on both sides (its counter, four queries, the site layout;
  sessionkit's session panel lists recent pages where Django's has none to list).

Each request carries one of ``--sessions`` existing sessions, each made mature first by
``--history`` page views (a full history). Rounds alternate; printed are requests/s and p99
latency, and the ratios.
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
paths = {%s}
request = function()
  local cookie = "sessionid=" .. cookies[math.random(#cookies)]
  return wrk.format("GET", paths[math.random(#paths)], {["Cookie"] = cookie})
end
"""
PAGES = {
    # page: (sessionkit's paths, Django's paths); the first is also where sessions mature
    "tracked": (
        [f"/tracked/page-{n}/" for n in range(20)],
        [f"/counter/page-{n}/" for n in range(20)],
    ),
    "demo": (["/", "/books/?page=2"], ["/", "/books/?page=2"]),
}


def paths(page: str, stack: str) -> list[str]:
    return PAGES[page][0 if stack == "sessionkit" else 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(stack: str, port: int, server: str, page: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "BENCH_STACK": stack,
        "BENCH_PAGE": page,
        "BENCH_SERVER": server,
    }
    binary = str(Path(sys.executable).with_name(server))
    command = {
        "gunicorn": [binary, "-w", "2", "-b", f"127.0.0.1:{port}", "demo_site.wsgi:application"],
        "uvicorn": [
            binary,
            "--workers",
            "2",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "demo_site.asgi:application",
        ],
    }[server]
    process = subprocess.Popen(
        command,
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
    raise RuntimeError(f"{server} ({stack}) did not start")


def sessions(port: int, count: int, history: int, pages: list[str]) -> list[str]:
    """Session keys of ``count`` visitors, each after ``history`` views of ``pages`` (every
    cookie returned, as a browser does)."""
    keys = []
    for _ in range(count):
        cookie: SimpleCookie = SimpleCookie()
        for view in range(max(2, history)):
            header = "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())
            path = pages[view % len(pages)]
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
            if header:
                request.add_header("Cookie", header)
            with urllib.request.urlopen(request) as response:
                assert response.status == 200
                for set_cookie in response.headers.get_all("Set-Cookie") or []:
                    cookie.load(set_cookie)
            cookie = SimpleCookie(
                {name: morsel.value for name, morsel in cookie.items() if morsel.value}
            )
        keys.append(cookie["sessionid"].value)
    return keys


def run_wrk(port: int, keys: list[str], pages: list[str], seconds: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT
            % (", ".join(f'"{key}"' for key in keys), ", ".join(f'"{path}"' for path in pages))
        )
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
    parser.add_argument("--history", type=int, default=100, help="page views per session first")
    parser.add_argument("--server", choices=["gunicorn", "uvicorn", "both"], default="both")
    parser.add_argument("--page", choices=["tracked", "demo", "both"], default="both")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    servers = ["gunicorn", "uvicorn"] if args.server == "both" else [args.server]
    for server in servers:
        if not Path(sys.executable).with_name(server).exists():
            sys.exit(f"{server} is not installed (pip install {server})")
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
    for page in ["tracked", "demo"] if args.page == "both" else [args.page]:
        for server in servers:
            measure(server, page, args)


def measure(server: str, page: str, args: argparse.Namespace) -> None:
    results: dict[str, list[tuple[float, float]]] = {"django": [], "sessionkit": []}
    for round_ in range(args.rounds):
        for stack in ("django", "sessionkit") if round_ % 2 == 0 else ("sessionkit", "django"):
            port = free_port()
            process = serve(stack, port, server, page)
            try:
                keys = sessions(port, args.sessions, args.history, paths(page, stack))
                run_wrk(port, keys, paths(page, stack), 2)  # warm up
                results[stack].append(run_wrk(port, keys, paths(page, stack), args.seconds))
            finally:
                process.terminate()
                process.wait(timeout=20)
    title = {"tracked": "Tracked page against counter page", "demo": "Demo home page"}[page]
    print(
        f"\n{title}, {server}, 2 workers, wrk -t2 -c16, {args.seconds}s x {args.rounds} "
        f"rounds, {args.sessions} sessions of {args.history} page views, cached_db on "
        "PostgreSQL + Redis"
    )
    summary = {}
    for stack, runs in results.items():
        rps = statistics.median(r for r, _ in runs)
        p99 = statistics.median(p for _, p in runs)
        summary[stack] = (rps, p99)
        print(f"  {stack:12} {rps:8.0f} requests/s   p99 {p99:6.1f} ms")
    ratio = summary["sessionkit"][0] / summary["django"][0]
    print(
        f"  throughput ratio sessionkit/Django: {ratio:.2f} (target ≥ 1.00)"
        f" {'met' if ratio >= 1.0 else 'MISSED'}"
    )
    p99_ratio = summary["sessionkit"][1] / summary["django"][1]
    print(
        f"  p99 ratio sessionkit/Django: {p99_ratio:.2f} (target ≤ 1.00)"
        f" {'met' if p99_ratio <= 1.0 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
