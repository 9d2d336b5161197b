import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from governance.record.services import verify_record


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Recompute the tamper-evident record (issue 20): report the first record whose content, "
        "order or presence does not match the chain, and exit 1 on any break."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=_date, help="Check from the first entry recorded on this date."
        )

    def handle(self, *args, since=None, **options):
        run, outcome = verify_record(at=timezone.now(), since=since)
        if run.ok:
            self.stdout.write(
                f"OK: {run.entries} chain entries and {run.records} records verified."
            )
            return
        self.stderr.write(f"BROKEN: {run.breaks} break(s). First: {run.first_break}")
        for found in sorted(outcome.breaks, key=lambda b: (b.seq is None, b.seq or 0))[1:20]:
            self.stderr.write(f"  also: {found}")
        raise SystemExit(1)
