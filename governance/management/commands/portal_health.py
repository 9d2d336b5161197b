from django.core.management.base import BaseCommand
from django.utils import timezone

from governance.notifications.outbox import stuck_mail
from governance.ops.sweeps import late_sweeps


class Command(BaseCommand):
    help = "Exit 1 and say why when a periodic sweep is late or mail is stuck."

    def handle(self, *args, **options):
        now = timezone.now()
        findings = late_sweeps(now=now) + stuck_mail(now=now)
        if not findings:
            self.stdout.write("OK: every sweep ran on time and no mail is stuck.")
            return
        for finding in findings:
            self.stderr.write(f"PROBLEM: {finding}")
        raise SystemExit(1)
