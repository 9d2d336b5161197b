"""The ingestion rollout, starting in P0 (D9 §6.1)."""

from django.db import migrations


def create_rollout(apps, schema_editor):
    Rollout = apps.get_model("governance", "Rollout")
    Rollout.objects.get_or_create(slug="ingestion", defaults={"name": "Ingestion", "phase": "P0"})


def remove_rollout(apps, schema_editor):
    Rollout = apps.get_model("governance", "Rollout")
    Rollout.objects.filter(slug="ingestion", transitions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0020_rollout_signoffs")]

    operations = [migrations.RunPython(create_rollout, remove_rollout)]
