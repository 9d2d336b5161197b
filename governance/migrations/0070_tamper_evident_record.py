"""The tamper-evident record (issue 20): chain entries, their head, checkpoints, verifications."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0065_policy_draft"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(unique=True)),
                ("seq", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["-day"],
            },
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="ChainVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField()),
                ("since", models.DateField(blank=True, null=True)),
                ("ok", models.BooleanField()),
                ("entries", models.PositiveBigIntegerField(default=0)),
                ("records", models.PositiveBigIntegerField(default=0)),
                ("breaks", models.PositiveIntegerField(default=0)),
                ("first_break", models.TextField(blank=True)),
            ],
            options={
                "ordering": ["-started_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ChainEntry",
            fields=[
                ("seq", models.PositiveBigIntegerField(primary_key=True, serialize=False)),
                (
                    "record_type",
                    models.CharField(
                        help_text='e.g. "governance.approvaldecision".', max_length=80
                    ),
                ),
                ("record_id", models.PositiveBigIntegerField()),
                (
                    "digest",
                    models.CharField(
                        help_text="SHA-256 of the record's canonical content.", max_length=64
                    ),
                ),
                (
                    "hash",
                    models.CharField(
                        help_text="SHA-256 link: seq, record, digest, previous.", max_length=64
                    ),
                ),
                ("recorded_at", models.DateTimeField()),
            ],
            options={
                "verbose_name_plural": "chain entries",
                "ordering": ["seq"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("record_type", "record_id"), name="chain_entry_once"
                    )
                ],
            },
        ),
    ]
