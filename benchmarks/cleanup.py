"""Cleanup at scale: sessionkit's ``cleanup`` beside Django's ``clearsessions``.

    .venv/bin/python -m benchmarks.cleanup [--rows 1000000] [--files 100000]

PostgreSQL: the same number of expired rows (plus 10% live ones) in ``django_session`` and
``sessionkit_session``; Django's ``clearsessions`` deletes in one statement, ``cleanup`` in
batches. Printed: total time, the longest single statement, and the ratios.

Files: a folder of session files, half expired, for each engine; Django's file engine opens
and decodes every file, sessionkit's only stats them. A plain scandir + stat + unlink of the
same folder is the floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")


def ensure_database() -> None:
    try:
        import psycopg
    except ImportError:
        raise SystemExit(
            'The benchmarks need their extra: .venv/bin/pip install -e ".[bench]"'
        ) from None

    from benchmarks import bench_settings

    cfg = bench_settings.DATABASES["default"]
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"], user=cfg["USER"], dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


@contextmanager
def statement_timer() -> Iterator[list[float]]:
    """Record the duration of every SQL statement run inside the block."""
    from django.db import connection

    durations: list[float] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            durations.append(time.perf_counter() - started)

    with connection.execute_wrapper(wrapper):
        yield durations


def populate(table: str, rows: int, live: int, spread: bool) -> None:
    from django.db import connection

    extra = ", version" if table == "sessionkit_session" else ""
    extra_value = ", 1" if table == "sessionkit_session" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        cursor.execute(
            f"INSERT INTO {table} (session_key, session_data, expire_date{extra}) "
            f"SELECT md5(i::text || %s), repeat('x', 120), now() - interval '1 day'"
            f" + i * %s{extra_value} FROM generate_series(1, %s) AS i",
            [table, timedelta(milliseconds=20 if spread else 0), rows],
        )
        cursor.execute(
            f"INSERT INTO {table} (session_key, session_data, expire_date{extra}) "
            f"SELECT md5('live' || i::text || %s), repeat('x', 120), "
            f"now() + interval '1 day'{extra_value} FROM generate_series(1, %s) AS i",
            [table, live],
        )
        cursor.execute(f"VACUUM ANALYZE {table}")


def bench_postgres(rows: int, spread: bool) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    live = rows // 10
    results: dict[str, float] = {}
    for name, table, command, engine in [
        ("django", "django_session", "clearsessions", "django.contrib.sessions.backends.db"),
        ("sessionkit", "sessionkit_session", "cleanup", "sessionkit.backends.db"),
    ]:
        populate(table, rows, live, spread)
        with override_settings(SESSION_ENGINE=engine), statement_timer() as durations:
            started = time.perf_counter()
            call_command(command, verbosity=0)
            results[f"{name}_total"] = time.perf_counter() - started
        results[f"{name}_longest"] = max(durations)
        results[f"{name}_statements"] = len(durations)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
            remaining = cursor.fetchone()[0]
        assert remaining == live, (name, remaining, live)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
    return results


def make_files(folder: str, count: int, django_style: bool) -> None:
    """``count`` session files, half expired, as each engine writes them."""
    from django.contrib.sessions.backends.file import SessionStore as DjangoFileStore

    payload = DjangoFileStore().encode({"reading_list": [1, 2, 3], "_sessionkit": [1] * 9})
    data = payload.encode()
    now = time.time()
    for n in range(count):
        key = f"{n:032x}"
        expired = n % 2 == 0
        if django_style:  # Django: expiry = mtime + SESSION_COOKIE_AGE
            name = f"sessionid{key}"
            mtime = now - 30 * 86400 if expired else now
        else:  # sessionkit: mtime is the expiry
            name = f"sessionkit-{key}"
            mtime = now - 60 if expired else now + 86400
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        os.utime(path, (mtime, mtime))


def bench_files(count: int, parent: str | None) -> dict[str, float]:
    from django.contrib.sessions.backends.file import SessionStore as DjangoFileStore
    from django.test.utils import override_settings

    from sessionkit.backends.file import SessionStore as OurFileStore

    results: dict[str, float] = {}

    def floor() -> None:
        now = time.time()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.stat().st_mtime <= now:
                    os.unlink(entry.path)

    cases: list[tuple[str, bool, Callable[[], Any]]] = [
        ("django", True, DjangoFileStore.clear_expired),
        ("sessionkit", False, OurFileStore.clear_expired),
        ("scandir_stat_unlink", False, floor),
    ]
    for name, django_style, run in cases:
        folder = tempfile.mkdtemp(prefix=f"sessionkit-bench-{name}-", dir=parent)
        try:
            make_files(folder, count, django_style)
            with override_settings(SESSION_FILE_PATH=folder):
                if hasattr(DjangoFileStore, "_storage_path"):
                    del DjangoFileStore._storage_path
                started = time.perf_counter()
                run()
                results[name] = time.perf_counter() - started
            left = len(os.listdir(folder))
            assert left == count // 2, (name, left)
        finally:
            shutil.rmtree(folder)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument(
        "--folder", default=None, help="where to make the session folders (default: tempdir)"
    )
    args = parser.parse_args()
    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    for spread, how in [(True, "expiring 20 ms apart"), (False, "all expiring at one instant")]:
        pg = bench_postgres(args.rows, spread)
        print(f"PostgreSQL, {args.rows:,} expired rows {how} (+{args.rows // 10:,} live):")
        print(f"  {'':28}{'total s':>10}{'longest stmt s':>16}{'statements':>12}")
        for name in ("django", "sessionkit"):
            label = "Django clearsessions" if name == "django" else "sessionkit cleanup"
            print(
                f"  {label:28}{pg[name + '_total']:>10.2f}{pg[name + '_longest']:>16.3f}"
                f"{int(pg[name + '_statements']):>12,}"
            )
        ratio = pg["sessionkit_total"] / pg["django_total"]
        longest = pg["sessionkit_longest"] / pg["django_longest"]
        print(f"  total ratio sessionkit/Django: {ratio:.2f}")
        print(f"  longest statement ratio sessionkit/Django: {longest:.3f}")

    files = bench_files(args.files, args.folder)
    where = args.folder or tempfile.gettempdir()
    print(f"Files, {args.files:,} sessions, half expired, in {where}:")
    for name, seconds in files.items():
        print(f"  {name:28}{seconds:>10.2f} s")
    print(f"  speed-up sessionkit over Django: {files['django'] / files['sessionkit']:.1f}x")
    print(
        "  speed-up of the scandir+stat+unlink floor over Django: "
        f"{files['django'] / files['scandir_stat_unlink']:.1f}x"
    )


if __name__ == "__main__":
    main()
