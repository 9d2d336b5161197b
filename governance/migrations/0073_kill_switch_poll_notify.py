"""Triggers telling the web processes that what the kill-switch poll reads has changed
(governance/killswitch/mirror.py, issue 16 point 6): a NOTIFY on the channel the processes
LISTEN on, after every statement that changes a token's hash, revocation or owner, a user's
active flag or the kill-switch state, whatever path it comes by (a service, the admin, a bulk
update, raw SQL). NOTIFY is transactional: a rolled-back change tells nobody. Statement-level,
so a bulk update is one notification. The poll's own "last used" write changes no listed column
and tells nobody. On SQLite it does nothing (the poll reads the database on every request
there)."""

from django.conf import settings
from django.db import migrations

# governance/killswitch/mirror.py LISTENs on it; a migration keeps its own copy of the name.
CHANNEL = "kill_switch_poll"
FUNCTION = "governance_kill_switch_poll_notify"
# (model, trigger, the events that change what the poll answers)
WATCHED = [
    (
        ("governance", "ApiToken"),
        "governance_apitoken_poll_notify",
        "INSERT OR DELETE OR TRUNCATE OR UPDATE OF key_hash, revoked_at, user_id",
    ),
    (
        ("governance", "KillSwitchState"),
        "governance_killswitchstate_poll_notify",
        "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    ),
    (
        tuple(settings.AUTH_USER_MODEL.split(".")),
        "governance_user_poll_notify",
        "DELETE OR TRUNCATE OR UPDATE OF is_active",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
    )
    for model, trigger, events in WATCHED:
        table = apps.get_model(*model)._meta.db_table
        schema_editor.execute(
            f'CREATE TRIGGER {trigger} AFTER {events} ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, trigger, _ in WATCHED:
        table = apps.get_model(*model)._meta.db_table
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {trigger} ON "{table}"')
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0072_schedule_record_sweeps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop)]
