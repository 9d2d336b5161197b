"""Beat schedules for the kill-switch and approval sweeps, as rows editable in the admin."""

import json

from django.db import migrations

SWEEPS = [
    ("killswitch.long_pauses", 30),
    ("killswitch.start_scheduled", 30),
    ("approvals.escalate_overdue", 60),
    ("authority.sync_role_groups", 300),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, seconds in SWEEPS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(
            name=f"sweep: {name}",
            defaults={
                "task": "governance.run_sweep",
                "interval": interval,
                "args": json.dumps([name]),
            },
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[f"sweep: {name}" for name, _ in SWEEPS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0010_authority_killswitch"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
