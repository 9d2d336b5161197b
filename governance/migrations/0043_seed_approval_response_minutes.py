"""Issue 12 point 2: every approval has a deadline. Roles without a D9 §3.1 tier get one.

The portal's reading (shown under "How this portal reads D9"): a role D9 §3.1 gives no response
time answers an approval like the Ingestion Owner, the last §3.1 tier (1 hour); "On-Call" like
the Primary (15 minutes). Roles with a §3.1 tier keep reading it from the tier (left empty)."""

from django.db import migrations


def seed(apps, schema_editor):
    Role = apps.get_model("governance", "Role")
    OnCallTier = apps.get_model("governance", "OnCallTier")
    minutes = sorted(OnCallTier.objects.values_list("response_minutes", flat=True))
    if not minutes:
        return
    with_tier = set(OnCallTier.objects.values_list("role_id", flat=True))
    for role in Role.objects.exclude(pk__in=with_tier).filter(approval_response_minutes=None):
        role.approval_response_minutes = minutes[0] if role.notion == "on_call" else minutes[-1]
        role.save(update_fields=["approval_response_minutes"])


def unseed(apps, schema_editor):
    apps.get_model("governance", "Role").objects.update(approval_response_minutes=None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0042_role_approval_response_minutes")]

    operations = [migrations.RunPython(seed, unseed)]
