#!/usr/bin/env python
"""Django's command-line utility for the demo site (``python manage.py demo``)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        if not str(exc).startswith("DEMO_"):
            raise
        # The demo's settings refused a DEMO_* value that cannot work: say so in one line.
        sys.exit(f"manage.py: {exc}")


if __name__ == "__main__":
    main()
