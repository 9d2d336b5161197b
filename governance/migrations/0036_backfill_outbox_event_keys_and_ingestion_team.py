"""Rows recorded before channels share their event's key with their own dedupe key; rows in
flight get a lease; the ingestion team (D9 §7.1 `#ingestion-rollout`) exists, without
channels until an admin adds one."""

from datetime import timedelta

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    Notification = apps.get_model("governance", "Notification")
    Team = apps.get_model("governance", "Team")
    Notification.objects.filter(event_key="").update(event_key=F("dedupe_key"))
    for row in Notification.objects.filter(status="sending", lease_until__isnull=True):
        row.lease_until = (row.claimed_at or row.created_at) + timedelta(minutes=10)
        row.save(update_fields=["lease_until"])
    Team.objects.get_or_create(slug="ingestion", defaults={"name": "Ingestion team"})


def backwards(apps, schema_editor):
    Team = apps.get_model("governance", "Team")
    Team.objects.filter(slug="ingestion", channels__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0035_channels_contact_methods_rules_and_claim_leases")]

    operations = [migrations.RunPython(forwards, backwards)]
