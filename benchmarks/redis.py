"""The native Redis engine against Django's cache engine on RedisCache, and a Cluster against
one server, measured in one run.

    .venv/bin/python -m benchmarks.redis [--rounds 7] [--quick]

1. Engine cycle on one Redis server (load a session, change one key, save): sessionkit's
   ``sessionkit.backends.redis`` beside Django's ``cache`` engine on ``RedisCache``, and beside
   the floor, raw redis-py ``GET`` + ``SET`` of the same bytes. Target: ≤ 0.60× Django.
2. A tracked request (sessionkit's middleware, the session template) through Django's WSGI
   handler, every cookie returned: on a 3-primary, 3-replica Cluster beside one server, as
   requests per second.

Rounds alternate which side goes first; each figure is the median of the rounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")

from benchmarks.engines import DATA, measure  # noqa: E402

SINGLE = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379") + "/11"


def engine_cycle(rounds: int, quick: bool) -> dict[str, float]:
    import redis
    from django.contrib.sessions.backends.cache import SessionStore as DjangoStore
    from django.test.utils import override_settings

    from sessionkit.backends.redis import SessionStore

    sides: dict[str, Callable[[], None]] = {}
    with override_settings(SESSION_CACHE_ALIAS="redis", SESSIONKIT_REDIS={"URL": SINGLE}):
        for side, store_class in [("django", DjangoStore), ("sessionkit", SessionStore)]:
            seed = store_class()
            seed.update(DATA)
            seed.save()

            def cycle(store_class: Any = store_class, key: str = str(seed.session_key)) -> None:
                store = store_class(key)
                store["num_visits"] = store.get("num_visits", 0) + 1
                store.save()

            sides[side] = cycle
        raw = redis.Redis.from_url(SINGLE)
        stored = raw.get(f"sessionkit:{{{seed.stored_key}}}")  # type: ignore[attr-defined]
        raw.set("bench:floor", stored)

        def floor() -> None:
            raw.get("bench:floor")
            raw.set("bench:floor", stored, ex=1209600)

        sides["raw redis-py GET+SET"] = floor
        return measure(sides, 100 if quick else 2000, rounds)


def tracked_requests(rounds: int, quick: bool, cluster: list[str]) -> dict[str, float]:
    from django.test import Client
    from django.test.utils import override_settings

    variants = {
        "one server": override_settings(
            SESSION_ENGINE="sessionkit.backends.redis", SESSIONKIT_REDIS={"URL": SINGLE}
        ),
        "Cluster (3 primaries)": override_settings(
            SESSION_ENGINE="sessionkit.backends.redis", SESSIONKIT_REDIS={"CLUSTER": cluster}
        ),
    }
    sides = {}
    for name, variant in variants.items():
        with variant:
            browsers = [Client() for _ in range(20)]
            for browser in browsers:
                browser.get("/tracked/warm")
                browser.get("/tracked/warm")

        def run(browsers: list[Any] = browsers, variant: Any = variant) -> None:
            with variant:
                for n, browser in enumerate(browsers):
                    assert browser.get(f"/tracked/page-{n}/").status_code == 200

        sides[name] = run
    per_round = measure(sides, 5 if quick else 50, rounds)
    return {name: 20 / seconds for name, seconds in per_round.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="few operations: a smoke test")
    args = parser.parse_args()
    django.setup()
    from tests import redis_topologies

    cluster = redis_topologies.shared_cluster()
    started = not all(redis_topologies.answers(port) for port in cluster.ports)
    if started:
        cluster.start()
    try:
        print(
            f"sessionkit Redis benchmarks — {time.strftime('%Y-%m-%d', time.gmtime())}, "
            f"{platform.node()}, Python {platform.python_version()}, Django "
            f"{django.get_version()}, {os.cpu_count()} cores; medians of {args.rounds} "
            "alternating rounds"
        )
        cycle = engine_cycle(args.rounds, args.quick)
        django_us, ours_us = cycle["django"] * 1e6, cycle["sessionkit"] * 1e6
        floor_us = cycle["raw redis-py GET+SET"] * 1e6
        print("\n1. Engine cycle on one Redis server: load, change one key, save (µs)")
        print(f"  Django cache engine on RedisCache  {django_us:8.0f}")
        print(f"  sessionkit.backends.redis          {ours_us:8.0f}")
        print(f"  raw redis-py GET + SET (floor)     {floor_us:8.0f}")
        ratio = ours_us / django_us
        print(
            f"  ratio to Django {ratio:.2f} (target ≤ 0.60: {'met' if ratio <= 0.6 else 'MISSED'})"
            f"; to the floor {ours_us / floor_us:.2f}"
        )
        rates = tracked_requests(args.rounds, args.quick, cluster.nodes)
        single, spread = rates["one server"], rates["Cluster (3 primaries)"]
        print("\n2. Tracked request through the WSGI handler, 20 visitors (requests per second)")
        print(
            f"  one server {single:8.0f}    Cluster {spread:8.0f}    ratio {spread / single:.2f}"
        )
    finally:
        if started:
            cluster.stop()


if __name__ == "__main__":
    main()
