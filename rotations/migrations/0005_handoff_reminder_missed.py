"""Issue 12 point 8: a handoff reminder whose moment passed during downtime is recorded missed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rotations", "0004_swap_owner_approval_through_approvals"),
    ]

    operations = [
        migrations.AddField(
            model_name="handoffreminder",
            name="missed",
            field=models.BooleanField(default=False),
        ),
    ]
