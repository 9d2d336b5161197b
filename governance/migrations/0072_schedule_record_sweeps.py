"""Beat schedules for the tamper-evident record: daily verification, hourly checkpoint check."""

import json

from django.db import migrations

SWEEPS = [("record.verify", 86400), ("record.checkpoint", 3600)]


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
        ("governance", "0071_chain_existing_records"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
