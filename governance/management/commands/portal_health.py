from django.core.management.base import BaseCommand
from django.utils import timezone

from governance.ops.health import OPERATOR, run_checks


class Command(BaseCommand):
    help = (
        "The /readyz checks (database, broker, sweeps on time) and stuck mail; "
        "exit 1 and say why when one fails."
    )

    def handle(self, *args, **options):
        results = run_checks(OPERATOR, now=timezone.now())
        failing = [result for result in results if not result.ok]
        if not failing:
            for result in results:
                self.stdout.write(f"OK {result.name}: {result.detail}")
            return
        for result in failing:
            self.stderr.write(f"PROBLEM {result.name}: {result.detail}")
        raise SystemExit(1)
