"""Demo duty history for `seed_demo` (idempotent): today's D9 §2.1 Steady State duties so far,
each checked in on time by its Responsible, so the first look shows only what is due now
(issue 17 §1: calm and true, no wall of overdue duties)."""

import datetime

from django.db import transaction
from django.utils import timezone

from governance.duties import services
from governance.duties.models import DutyInstance, Health

CHECKED_AFTER = datetime.timedelta(minutes=5)


@transaction.atomic
def seed(*, stdout) -> None:
    now = timezone.now()
    services.generate_due_instances(now=now)
    past = DutyInstance.objects.filter(
        status=DutyInstance.Status.OPEN, deadline_at__lt=now, assignee__isnull=False
    ).select_related("schedule", "assignee")
    checked = 0
    for instance in past:
        services.check_in(
            instance=instance,
            actor=instance.assignee,
            note="Checked: dashboards and alerts quiet (demo).",
            health=Health.GREEN if instance.schedule.asks_health else "",
            at=min(instance.due_at + CHECKED_AFTER, instance.deadline_at),
        )
        checked += 1
    stdout.write(f"Duties: {checked} past duty instance(s) checked in on time.")
