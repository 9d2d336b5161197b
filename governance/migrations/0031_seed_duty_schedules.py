"""Seed the duty schedules of the D9 §2.1 Steady State rows with the issue's defaults (hourly;
daily 10:00 local; weekly Monday 11:00 local), and the beat rows of the duty sweeps."""

import datetime
import json

from django.db import migrations

# activity key, cadence, time, weekday, grace, escalate after, asks health, fallback role
SCHEDULES = [
    ("hourly_monitoring", "hourly", datetime.time(0, 0), 0, 15, 15, False, "ingestion_owner"),
    ("daily_health_review", "daily", datetime.time(10, 0), 0, 60, 60, True, None),
    ("metrics_review", "weekly", datetime.time(11, 0), 0, 120, 120, False, None),
]
SWEEPS = [
    ("duties.generate", 60),
    ("duties.chase", 60),
    ("duties.summaries", 900),
    ("compliance.monthly_mail", 3600),
]


def seed(apps, schema_editor):
    RaciActivity = apps.get_model("governance", "RaciActivity")
    Role = apps.get_model("governance", "Role")
    DutySchedule = apps.get_model("governance", "DutySchedule")
    for key, cadence, time, weekday, grace, after, health, fallback in SCHEDULES:
        activity = RaciActivity.objects.filter(key=key).first()
        if activity is None:
            continue
        DutySchedule.objects.get_or_create(
            activity=activity,
            defaults={
                "cadence": cadence,
                "time_of_day": time,
                "weekday": weekday,
                "grace_minutes": grace,
                "escalate_after_minutes": after,
                "asks_health": health,
                "fallback_role": Role.objects.filter(key=fallback).first() if fallback else None,
            },
        )
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


def unseed(apps, schema_editor):
    apps.get_model("governance", "DutySchedule").objects.all().delete()
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[f"sweep: {name}" for name, _ in SWEEPS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0030_duties_launch"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
