"""Beat schedules for the sign-off sweeps (reminders, emergency rollback backups, held gates)."""

import json

from django.db import migrations

SWEEPS = [
    ("signoff.remind_pending", 300),
    ("signoff.address_overdue_rollbacks", 60),
    ("rollout.complete_held", 60),
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
        ("governance", "0021_seed_ingestion_rollout"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
