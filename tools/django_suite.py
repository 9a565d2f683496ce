"""Run Django's own test suites with sessionkit swapped in for ``django.contrib.sessions``.

    .venv/bin/python tools/django_suite.py ENGINE [MODULE ...] [--notrack] [--django 5.2.20]

ENGINE is ``baseline`` (Django unchanged) or one of sessionkit's engines (db, file, cache,
cached_db). The first run downloads Django's sdist (``pip download --no-binary``) into
``.django-suite/`` and writes ``tests/runtests_sk.py`` there: Django's ``runtests.py`` with
exactly two substitutions, ``"sessionkit"`` in ``ALWAYS_INSTALLED_APPS`` and sessionkit's
middleware in ``ALWAYS_MIDDLEWARE``. ``--notrack`` sets ``SESSIONKIT_TRACK_EXCLUDE = [r""]``
(tracking off). Default modules: the session-using ones. Prints the failing tests, one line
each; the exit status is runtests.py's.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".django-suite"
MODULES = [
    "auth_tests",
    "messages_tests",
    "test_client",
    "test_client_regress",
    "csrf_tests",
    "admin_views",
    "check_framework",
    "admin_checks",
]
SETTINGS = """import os
from test_sqlite import *  # noqa: F401,F403

SESSION_ENGINE = "sessionkit.backends." + os.environ["SK_ENGINE"]
if os.environ.get("SK_NOTRACK"):
    SESSIONKIT_TRACK_EXCLUDE = [r""]
"""


def django_tests(version: str) -> Path:
    tests = WORK / f"django-{version}" / "tests"
    if not tests.exists():
        WORK.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
            + [f"django=={version}", "-d", str(WORK)],
            check=True,
        )
        with tarfile.open(WORK / f"django-{version}.tar.gz") as sdist:
            sdist.extractall(WORK, filter="data")
    source = (tests / "runtests.py").read_text()
    for old, new in [
        ('    "django.contrib.sessions",\n', '    "sessionkit",\n'),
        (
            '    "django.contrib.sessions.middleware.SessionMiddleware",\n',
            '    "sessionkit.middleware.SessionMiddleware",\n',
        ),
    ]:
        if source.count(old) != 1:
            sys.exit(f"runtests.py of Django {version} changed: {old.strip()!r} not found once")
        source = source.replace(old, new)
    (tests / "runtests_sk.py").write_text(source)
    (tests / "sk_settings.py").write_text(SETTINGS)
    return tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["baseline", "db", "file", "cache", "cached_db"])
    parser.add_argument("modules", nargs="*", default=MODULES)
    parser.add_argument("--notrack", action="store_true")
    parser.add_argument("--django", default="5.2.20")
    # (one process: Django's parallel runner dies pickling a failure's traceback without tblib)
    parser.add_argument("--parallel", default="1")
    args = parser.parse_args()
    tests = django_tests(args.django)
    env = {**os.environ, "SK_ENGINE": args.engine, "PYTHONPATH": str(ROOT)}
    if args.notrack:
        env["SK_NOTRACK"] = "1"
    command = [sys.executable]
    if args.engine == "baseline":
        command += ["runtests.py"]
    else:
        command += ["runtests_sk.py", "--settings=sk_settings"]
    command += [*args.modules, "--parallel", args.parallel]
    run = subprocess.run(command, cwd=tests, env=env, capture_output=True, text=True)
    output = run.stdout + run.stderr
    failed = sorted(set(re.findall(r"^(?:FAIL|ERROR): \S+ \(([\w.]+)\)", output, re.M)))
    for test in failed:
        print(test)
    summary = re.findall(r"^(Ran \d+ tests.*|OK.*|FAILED.*)$", output, re.M)
    print(" / ".join(summary[-2:]) or output[-2000:])
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
