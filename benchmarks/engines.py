"""sessionkit against Django's own engines, side by side in one run.

    .venv/bin/python -m benchmarks.engines [--rounds 7] [--runs 5] [--quick] [--section 2b]
        [--redis-delay-us 100]

1. Engine cycle: load an existing session, change one key, save — every engine/backend pair,
   sessionkit's engine beside Django's engine of the same name. Target: ratio ≤ 0.80 on
   db/PostgreSQL and cache/Redis, ≤ 1.00 elsewhere.
1b. Read-only cycle: load only. Target: ≤ 1.00.
2. Tracked request through Django's WSGI handler (the test client, no network, persistent
   database connections, every cookie returned as a browser does, status 200 asserted):
   sessionkit's middleware with full tracking and a template printing five `session` fields,
   beside Django's SessionMiddleware with the tutorial's num_visits counter, under the very
   same settings and TEMPLATES; for a young session and a mature one (a full history).
   Target: ≤ 1.00.
2b. Requests whose figures need no write — a cookieless client, an excluded path — against
   Django's middleware on a page that does not touch the session. Target: ≤ 1.00.
2c. The same under ASGI (``AsyncClient``). Target: ≤ 1.00.
3. Cookieless bot storm: requests without cookies → rows created. Target: 0 for sessionkit.
4. Stored bytes per session after 1,000 page views.

With ``--redis-delay-us``, every Redis command goes through ``benchmarks.latency_proxy``,
which holds each chunk it forwards that long: longer round trips to Redis than loopback's
(the header prints what a GET then takes).

Rounds alternate which side goes first; each figure is the median of the rounds' per-operation
times, and the ratio is sessionkit's median over Django's. With ``--runs N`` each section is
measured N times and the median ratio and its spread are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from typing import Any

import django

from benchmarks import latency_proxy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")

PAIRS = [
    # label, engine, cache alias, database alias
    ("db/SQLite", "db", None, "sqlite"),
    ("db/PostgreSQL", "db", None, "default"),
    ("file", "file", None, None),
    ("cache/LocMem", "cache", "locmem", None),
    ("cache/Redis", "cache", "redis", None),
    ("cache/Memcached", "cache", "memcached", None),
    ("cache/django-redis", "cache", "django_redis", None),
    ("cached_db/Redis+PostgreSQL", "cached_db", "redis", "default"),
]
DATA = {"num_visits": 1, "reading_list": [11, 12, 13], "_auth_user_id": "1", "theme": "dark"}


def measure(sides: dict[str, Callable[[], None]], ops: int, rounds: int) -> dict[str, float]:
    """Median seconds per operation of each side, alternating which side runs first."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            run = sides[name]
            started = time.perf_counter()
            for _ in range(ops):
                run()
            times[name].append((time.perf_counter() - started) / ops)
    return {name: statistics.median(values) for name, values in times.items()}


def configure(engine: str, cache: str | None, db: str | None, folder: str) -> Any:
    from django.test.utils import override_settings

    from benchmarks.routers import SESSION_DB

    SESSION_DB.set(db or "default")
    from django.contrib.sessions.backends import file as django_file

    if hasattr(django_file.SessionStore, "_storage_path"):
        del django_file.SessionStore._storage_path
    return override_settings(SESSION_CACHE_ALIAS=cache or "default", SESSION_FILE_PATH=folder)


def store_cycles(
    rounds: int, quick: bool, step: Callable[[Any, str], None]
) -> list[tuple[str, float, float]]:
    """``step(store_class, key)`` on a seeded session, sessionkit's engine beside Django's
    engine of the same name, for every engine/backend pair."""
    rows = []
    for label, engine, cache, db in PAIRS:
        folder = tempfile.mkdtemp(prefix="sessionkit-bench-")
        with configure(engine, cache, db, folder):
            sides = {}
            for side, module in [
                ("django", f"django.contrib.sessions.backends.{engine}"),
                ("sessionkit", f"sessionkit.backends.{engine}"),
            ]:
                store_class = import_module(module).SessionStore
                seed = store_class()
                seed.update(DATA)
                seed.save()
                sides[side] = functools.partial(step, store_class, seed.session_key)
            ops = 50 if quick else (2000 if cache == "locmem" or engine == "file" else 300)
            result = measure(sides, ops, rounds)
        rows.append((label, result["django"], result["sessionkit"]))
    return rows


def cycle(store_class: Any, key: str) -> None:
    store = store_class(key)
    store["num_visits"] = store.get("num_visits", 0) + 1
    store.save()


def load(store_class: Any, key: str) -> None:
    assert store_class(key).get("num_visits") is not None


def engine_cycles(rounds: int, quick: bool) -> list[tuple[str, float, float]]:
    return store_cycles(rounds, quick, cycle)


def read_only_cycles(rounds: int, quick: bool) -> list[tuple[str, float, float]]:
    """Load only (a page that reads the session and changes nothing)."""
    return store_cycles(rounds, quick, load)


def requester(client: Any, path: str, variant: Any = None) -> Callable[[], None]:
    """A request to one of 20 pages; the client returns every cookie, as a browser does.
    With ``variant`` (settings that both compared sides change), under those settings."""
    count = 0

    def run() -> None:
        nonlocal count
        count += 1
        with variant or contextlib.nullcontext():
            response = client.get(f"{path}page-{count % 20}/")
        assert response.status_code == 200

    return run


def full_requests(rounds: int, quick: bool) -> list[tuple[str, float, float]]:
    """Django's middleware with the tutorial's counter beside sessionkit's with tracking and a
    template printing ``session`` fields, for a young session and a mature one (a full
    history). Both sides run under the very same settings and templates: each client builds
    its middleware chain once, under its engine, and no setting changes while it is timed
    (changing TEMPLATES per request would rebuild one side's template engine every time)."""
    from django.test import Client
    from django.test.utils import override_settings

    rows = []
    for label, engine, cache, db in PAIRS:
        if label not in ("db/PostgreSQL", "cached_db/Redis+PostgreSQL", "cache/Redis"):
            continue
        for age, warm in [("young", 3), ("mature", 150)]:
            with configure(engine, cache, db, tempfile.gettempdir()):
                sides = {}
                for side, path, middleware, module in [
                    ("django", "/counter/", "django.contrib.sessions", "django.contrib.sessions"),
                    ("sessionkit", "/tracked/", "sessionkit", "sessionkit"),
                ]:
                    client = Client()
                    with override_settings(
                        MIDDLEWARE=[f"{middleware}.middleware.SessionMiddleware"],
                        SESSION_ENGINE=f"{module}.backends.{engine}",
                    ):
                        for n in range(warm):  # the middleware chain is built here, once
                            assert client.get(f"{path}warm-{n}/").status_code == 200
                    sides[side] = requester(client, path)
                ops = 30 if quick else 300
                result = measure(sides, ops, rounds)
            rows.append((f"{label}, {age}", result["django"], result["sessionkit"]))
    return rows


NO_WRITE_CASES = [("cookieless client", False), ("excluded path", True)]
"""Section 2b's requests to ``/plain/``: a label, and whether the client keeps its cookies."""
WARM_PATHS = ["/counter/warm/", "/counter/warm/", "/plain/"]


def no_write_clients(make_client: Callable[[], Any], warm: Callable[[Any], None]) -> Any:
    """A client for each side, its middleware chain built (by ``warm``) under its own stack,
    with ``/plain/`` excluded from tracking."""
    from django.test.utils import override_settings

    clients = {}
    for side, module in [("django", "django.contrib.sessions"), ("sessionkit", "sessionkit")]:
        client = make_client()
        with override_settings(
            MIDDLEWARE=[f"{module}.middleware.SessionMiddleware"],
            SESSION_ENGINE=f"{module}.backends.db",
            SESSIONKIT_TRACK_EXCLUDE=[r"^/plain/"],
        ):
            warm(client)
        clients[side] = client
    return clients


def plain_excluded(keeps_cookies: bool) -> Any:
    """Both sides under the same settings: ``/plain/`` excluded only for "excluded path"."""
    from django.test.utils import override_settings

    return override_settings(SESSIONKIT_TRACK_EXCLUDE=[r"^/plain/"] if keeps_cookies else [])


def no_write_requests(rounds: int, quick: bool) -> list[tuple[str, float, float]]:
    """Requests whose figures need no write, beside Django's middleware on a page that does not
    touch the session: a cookieless client (a bot), and a returning visitor on an excluded
    path (``SESSIONKIT_TRACK_EXCLUDE``)."""
    from django.test import Client

    def warm(client: Any) -> None:
        for path in WARM_PATHS:
            assert client.get(path).status_code == 200

    def run(client: Any, keeps_cookies: bool) -> None:
        if not keeps_cookies:
            client.cookies.clear()
        assert client.get("/plain/").status_code == 200

    rows = []
    with configure("db", None, "default", tempfile.gettempdir()):
        for label, keeps_cookies in NO_WRITE_CASES:
            clients = no_write_clients(Client, warm)
            sides = {
                side: functools.partial(run, client, keeps_cookies)
                for side, client in clients.items()
            }
            with plain_excluded(keeps_cookies):
                result = measure(sides, 50 if quick else 1000, rounds)
            rows.append((f"db/PostgreSQL, {label}", result["django"], result["sessionkit"]))
    return rows


def asgi_no_write_requests(rounds: int, quick: bool) -> list[tuple[str, float, float]]:
    """Section 2b's two requests under ASGI (``AsyncClient``), where Django's middleware runs
    each side of the view in a thread, and sessionkit's opens the session on the event loop: a
    request to an excluded path whose view leaves the session alone makes no thread hop."""
    import asyncio

    from django.test import AsyncClient

    async def warm(client: Any) -> None:
        for path in WARM_PATHS:
            assert (await client.get(path)).status_code == 200

    async def timed(clients: dict[str, Any], keeps_cookies: bool, ops: int) -> dict[str, float]:
        """``measure``, awaiting (one event loop for every round of both sides)."""
        times: dict[str, list[float]] = {name: [] for name in clients}
        names = list(clients)
        for round_ in range(rounds):
            for name in names if round_ % 2 == 0 else reversed(names):
                client = clients[name]
                started = time.perf_counter()
                for _ in range(ops):
                    if not keeps_cookies:
                        client.cookies.clear()
                    assert (await client.get("/plain/")).status_code == 200
                times[name].append((time.perf_counter() - started) / ops)
        return {name: statistics.median(values) for name, values in times.items()}

    rows = []
    with configure("db", None, "default", tempfile.gettempdir()):
        for label, keeps_cookies in NO_WRITE_CASES:
            clients = no_write_clients(AsyncClient, lambda client: asyncio.run(warm(client)))
            with plain_excluded(keeps_cookies):
                result = asyncio.run(timed(clients, keeps_cookies, 30 if quick else 300))
            rows.append((f"db/PostgreSQL, {label}", result["django"], result["sessionkit"]))
    return rows


def db_stacks() -> list[tuple[Any, str, Any]]:
    """(settings, path, model) of Django + counter and of sessionkit, on the db engine."""
    from django.contrib.sessions.models import Session as DjangoSession
    from django.test.utils import override_settings

    from sessionkit.models import Session

    return [
        (
            override_settings(
                MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
                SESSION_ENGINE="django.contrib.sessions.backends.db",
            ),
            "/counter/",
            DjangoSession,
        ),
        (
            override_settings(
                MIDDLEWARE=["sessionkit.middleware.SessionMiddleware"],
                SESSION_ENGINE="sessionkit.backends.db",
            ),
            "/tracked/",
            Session,
        ),
    ]


def bot_storm(requests: int) -> list[int]:
    """Rows each stack has after ``requests`` requests from clients that send no cookie."""
    from django.test import Client

    counts = []
    with configure("db", None, "default", tempfile.gettempdir()):
        for stack, path, model in db_stacks():
            model.objects.all().delete()
            with stack:
                client = Client()
                for n in range(requests):
                    client.cookies.clear()
                    client.get(f"{path}bot-{n % 50}/")
            counts.append(model.objects.count())
    return counts


def stored_bytes(views: int) -> list[int]:
    """Stored size of one session of each stack after ``views`` page views."""
    from django.test import Client

    sizes = []
    with configure("db", None, "default", tempfile.gettempdir()):
        for stack, path, model in db_stacks():
            with stack:
                client = Client()
                for n in range(views):
                    client.get(f"{path}chapter-{n % 300}/?page={n}")
                key = client.cookies["sessionid"].value
            sizes.append(len(model.objects.get(pk=key).session_data))
    return sizes


def feature_costs(rounds: int, quick: bool) -> list[tuple[str, float, float]]:
    """What SESSIONKIT_HASH_KEYS and the inventory cost: each on beside off, same engine."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.utils import override_settings

    rows = []
    for label, engine, cache, db in PAIRS:
        folder = tempfile.mkdtemp(prefix="sessionkit-bench-")
        with configure(engine, cache, db, folder):
            store_class = import_module(f"sessionkit.backends.{engine}").SessionStore
            sides = {}
            for side, hashed in [("plain", False), ("hashed", True)]:
                with override_settings(SESSIONKIT_HASH_KEYS=hashed):
                    seed = store_class()
                    seed.update(DATA)
                    seed.save()

                def cycle(
                    key: str = str(seed.session_key),
                    hashed: bool = hashed,
                    store_class: Any = store_class,
                ) -> None:
                    with override_settings(SESSIONKIT_HASH_KEYS=hashed):
                        store = store_class(key)
                        store["num_visits"] = store.get("num_visits", 0) + 1
                        store.save()

                sides[side] = cycle
            ops = 50 if quick else (1000 if cache == "locmem" or engine == "file" else 300)
            result = measure(sides, ops, rounds)
        rows.append((f"hashed keys, {label}", result["plain"], result["hashed"]))

    user, _ = User.objects.get_or_create(username="bench-reader")
    for label, engine, cache, db in PAIRS:
        if label not in ("db/PostgreSQL", "cached_db/Redis+PostgreSQL"):
            continue
        with configure(engine, cache, db, tempfile.gettempdir()):
            variants = {
                flag: override_settings(
                    MIDDLEWARE=["sessionkit.middleware.SessionMiddleware"],
                    SESSION_ENGINE=f"sessionkit.backends.{engine}",
                    SESSIONKIT_INVENTORY=flag == "inventory",
                )
                for flag in ("no inventory", "inventory")
            }
            clients = {}
            for flag, variant in variants.items():
                with variant:
                    client = Client(HTTP_USER_AGENT="bench")
                    client.force_login(user)
                    client.get("/tracked/warm")
                clients[flag] = requester(client, "/tracked/", variant)
            ops = 30 if quick else 300
            result = measure(clients, ops, rounds)
        rows.append(
            (f"inventory, signed in, {label}", result["no inventory"], result["inventory"])
        )
    return rows


Target = tuple[float, dict[str, float]]
"""A section's target ratio, and the rows held to another one (by label)."""


def describe(target: Target) -> str:
    default, rows = target
    if not rows:
        return f"target: ratio ≤ {default:.2f}"
    named = ", ".join(f"{label} ≤ {value:.2f}" for label, value in rows.items())
    return f"target: ratio {named}; ≤ {default:.2f} elsewhere"


def table(title: str, rows: list[tuple[str, float, float]], target: Target) -> None:
    print(f"\n{title} ({describe(target)})")
    print(f"  {'engine':30}{'Django µs':>11}{'sessionkit µs':>15}{'ratio':>8}  met")
    for label, theirs, ours in rows:
        ratio = ours / theirs
        print(
            f"  {label:30}{theirs * 1e6:>11.0f}{ours * 1e6:>15.0f}{ratio:>8.2f}  "
            f"{'yes' if ratio <= target[1].get(label, target[0]) else 'NO'}"
        )


def floors(rounds: int, quick: bool) -> list[tuple[str, float, float]]:
    """sessionkit's engine cycle beside the least any code can do for it: raw psycopg
    SELECT + UPDATE in autocommit, raw redis-py GET + SET, a file read + write + rename."""
    import psycopg
    import redis
    from django.conf import settings

    rows = []
    ops = 50 if quick else 300
    db = settings.DATABASES["default"]
    with configure("db", None, "default", tempfile.gettempdir()):
        store_class = import_module("sessionkit.backends.db").SessionStore
        seed = store_class()
        seed.update(DATA)
        seed.save()
        key, stored = seed.session_key, seed.stored_key
        raw = psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        )

        def sql_floor() -> None:
            with raw.cursor() as cursor:
                cursor.execute(
                    "SELECT session_data, expire_date, version FROM sessionkit_session "
                    "WHERE session_key = %s",
                    [stored],
                )
                data, expiry, version = cursor.fetchone()  # type: ignore[misc]
                cursor.execute(  # what any session save writes: the data and the expiry
                    "UPDATE sessionkit_session SET session_data = %s, expire_date = %s, "
                    "version = %s WHERE session_key = %s",
                    [data, expiry + timedelta(seconds=1), version + 1, stored],
                )

        result = measure(
            {"floor": sql_floor, "sessionkit": functools.partial(cycle, store_class, key)},
            ops,
            rounds,
        )
        rows.append(("db/PostgreSQL: SELECT+UPDATE", result["floor"], result["sessionkit"]))
        raw.close()
    client = redis.Redis.from_url(settings.CACHES["redis"]["LOCATION"])
    with configure("cache", "redis", None, tempfile.gettempdir()):
        store_class = import_module("sessionkit.backends.cache").SessionStore
        seed = store_class()
        seed.update(DATA)
        seed.save()
        key = seed.session_key
        value = store_class().encode(DATA)

        def redis_floor() -> None:
            client.get(f"floor:{key}")
            client.set(f"floor:{key}", value, ex=3600)

        result = measure(
            {"floor": redis_floor, "sessionkit": functools.partial(cycle, store_class, key)},
            ops,
            rounds,
        )
        rows.append(("cache/Redis: GET+SET", result["floor"], result["sessionkit"]))
    folder = tempfile.mkdtemp(prefix="sessionkit-bench-")
    with configure("file", None, None, folder):
        store_class = import_module("sessionkit.backends.file").SessionStore
        seed = store_class()
        seed.update(DATA)
        seed.save()
        key = seed.session_key
        path = os.path.join(folder, "floor")
        with open(path, "w") as floor_file:
            floor_file.write(store_class().encode(DATA))

        def file_floor() -> None:
            with open(path) as source:
                text = source.read()
            with open(path + ".tmp", "w") as target:
                target.write(text)
            os.replace(path + ".tmp", path)

        result = measure(
            {"floor": file_floor, "sessionkit": functools.partial(cycle, store_class, key)},
            ops * 5,
            rounds,
        )
        rows.append(("file: read+write+rename", result["floor"], result["sessionkit"]))
    return rows


def spread(title: str, runs: list[list[tuple[str, float, float]]], target: Target) -> None:
    """The median ratio over the runs and its spread (lowest–highest)."""
    print(f"\n{title} ({describe(target)}; {len(runs)} runs)")
    print(f"  {'engine':34}{'median':>8}{'spread':>14}  met")
    for index, (label, _, _) in enumerate(runs[0]):
        ratios = sorted(run[index][2] / run[index][1] for run in runs)
        median = statistics.median(ratios)
        print(
            f"  {label:34}{median:>8.2f}{f'{ratios[0]:.2f}–{ratios[-1]:.2f}':>14}  "
            f"{'yes' if median <= target[1].get(label, target[0]) else 'NO'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.engines", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--rounds", type=int, default=7, help="alternating rounds per figure (its median)"
    )
    parser.add_argument("--quick", action="store_true", help="few operations: a smoke test")
    parser.add_argument(
        "--runs", type=int, default=1, help="repeat each section; print median and spread"
    )
    parser.add_argument(
        "--features",
        action="store_true",
        help="only the cost of SESSIONKIT_HASH_KEYS and of the inventory (on beside off)",
    )
    parser.add_argument(
        "--section",
        action="append",
        choices=["1", "1b", "2", "2b", "2c"],
        help="only this section (repeatable); sections 3, 4 and 5 then do not run",
    )
    parser.add_argument(
        "--redis-delay-us",
        type=float,
        help="reach Redis through benchmarks.latency_proxy, which holds each chunk it forwards "
        "this long: longer round trips to Redis, where loopback is all there is",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.redis_delay_us is not None:
            direct = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
            server = urllib.parse.urlsplit(direct)
            upstream = f"{server.hostname}:{server.port or 6379}"
            port = stack.enter_context(latency_proxy.running(upstream, args.redis_delay_us))
            login = server.netloc.rpartition("@")[0]
            proxied = f"{login}@127.0.0.1:{port}" if login else f"127.0.0.1:{port}"
            os.environ["BENCH_REDIS"] = server._replace(netloc=proxied).geturl()
            print(
                f"Redis through benchmarks.latency_proxy ({args.redis_delay_us:g} µs each way): "
                f"a GET takes {redis_get_us(os.environ['BENCH_REDIS']):.0f} µs, "
                f"{redis_get_us(direct):.0f} µs direct"
            )
        run_sections(args)


def redis_get_us(url: str) -> float:
    """Mean microseconds of a GET of a session-sized value from the Redis at ``url`` (the
    mean, as requests pay it: a round trip on loopback is often 30 µs, at times 200)."""
    import redis

    client = redis.Redis.from_url(f"{url}/13")
    client.set("sessionkit-bench:round-trip", b"x" * 1000, ex=60)
    started = time.perf_counter()
    for _ in range(1000):
        client.get("sessionkit-bench:round-trip")
    client.close()
    return (time.perf_counter() - started) / 1000 * 1e6


def run_sections(args: argparse.Namespace) -> None:
    from benchmarks.cleanup import ensure_database

    ensure_database()
    django.setup()
    from django.core.management import call_command

    for alias in ("default", "sqlite"):
        call_command("migrate", database=alias, verbosity=0)

    import platform

    print(
        f"sessionkit benchmarks — {time.strftime('%Y-%m-%d', time.gmtime())}, {platform.node()}, "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} cores; medians of {args.rounds} alternating rounds"
    )
    if args.features:
        rows = feature_costs(args.rounds, args.quick)
        print("\nFeature costs (ratio: on / off, sessionkit beside sessionkit)")
        print(f"  {'':44}{'off µs':>9}{'on µs':>9}{'ratio':>8}")
        for label, off, on in rows:
            print(f"  {label:44}{off * 1e6:>9.0f}{on * 1e6:>9.0f}{on / off:>8.2f}")
        return
    sections = [
        (
            "1. Engine cycle: load, change one key, save",
            engine_cycles,
            (1.00, {"db/PostgreSQL": 0.80, "cache/Redis": 0.80}),
        ),
        ("1b. Read-only cycle: load", read_only_cycles, (1.00, {})),
        (
            "2. Tracked request (tracking + session template) against Django + counter",
            full_requests,
            (1.00, {}),
        ),
        (
            "2b. A request whose figures need no write, against Django on a plain page",
            no_write_requests,
            (1.00, {}),
        ),
        ("2c. The same under ASGI", asgi_no_write_requests, (1.00, {})),
    ]
    for title, measure_section, target in sections:
        if args.section and title.split(".")[0] not in args.section:
            continue
        runs = [measure_section(args.rounds, args.quick) for _ in range(args.runs)]
        if args.runs == 1:
            table(title, runs[0], target)
        else:
            spread(title, runs, target)
    if args.section:
        return
    rows = floors(args.rounds, args.quick)
    print("\n5. The engine cycle against its floor (how close to the least possible)")
    print(f"  {'floor':34}{'floor µs':>10}{'sessionkit µs':>15}{'ratio':>8}")
    for label, floor, ours in rows:
        print(f"  {label:34}{floor * 1e6:>10.0f}{ours * 1e6:>15.0f}{ours / floor:>8.2f}")
    storm = 200 if args.quick else 10_000
    theirs, ours = bot_storm(storm)
    print(f"\n3. Cookieless bot storm, {storm:,} requests (target: 0 rows for sessionkit)")
    print(f"  Django + counter: {theirs:,} rows    sessionkit: {ours:,} rows")
    views = 100 if args.quick else 1000
    theirs, ours = stored_bytes(views)
    print(f"\n4. Stored bytes per session after {views:,} page views")
    print(f"  Django + counter: {theirs:,} bytes    sessionkit with full tracking: {ours:,} bytes")


if __name__ == "__main__":
    main()
