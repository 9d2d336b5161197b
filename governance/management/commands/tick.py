from django.core.management.base import BaseCommand
from django.utils import timezone

from governance.notifications import outbox as notifications
from governance.ops.sweeps import SWEEPS, run_sweep


class Command(BaseCommand):
    help = "Run every periodic sweep once, now, then deliver pending mail; print what happened."

    def handle(self, *args, **options):
        now = timezone.now()
        self.stdout.write(f"tick at {now.isoformat()}")
        for name in sorted(SWEEPS):
            result = run_sweep(name, now=now)
            self.stdout.write(f"  {name}: {result}")
        sent, not_sent = notifications.deliver_due(now=timezone.now())
        self.stdout.write(f"  mail: {sent} sent, {not_sent} not sent")
