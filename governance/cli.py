"""`portal`, the installed console script: the same as `python manage.py` in a checkout."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
