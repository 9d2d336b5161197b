"""Beat schedule for the client-mail delivery sweep (issue 21), as a row editable in the admin
(django-celery-beat)."""

import json

from django.db import migrations

SWEEPS = [("incidents.client_mail_delivered", 30)]


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
        ("incidents", "0009_client_communication_rule_required"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
