"""Incidents' workspace slug becomes a foreign key: existing slugs are mapped, none created."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("incidents", "0003_add_incident_workspace_link")]
AFTER = [("incidents", "0005_incident_workspace_is_a_foreign_key")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest_schema():
    """The tests after this one run on the whole schema again, whatever happens here."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_migration_maps_each_slug_to_its_workspace_and_refuses_unknown_ones():
    old = _migrate(BEFORE)
    Workspace = old.get_model("governance", "Workspace")
    Incident = old.get_model("incidents", "Incident")
    severity = old.get_model("governance", "Severity").objects.get(key="P2")
    acme = Workspace.objects.create(name="Acme", slug="acme")
    now = timezone.now()

    def incident(title, workspace):
        return Incident.objects.create(
            title=title,
            severity=severity,
            workspace=workspace,
            opened_at=now,
            ladder_started_at=now,
        ).pk

    scoped, global_, stray = (
        incident("Acme down", "acme"),
        incident("All down", ""),
        incident("Globex down", "globex"),
    )

    with pytest.raises(RuntimeError, match="globex"):
        _migrate(AFTER)
    Incident.objects.filter(pk=stray).delete()
    new = _migrate(AFTER)

    Incident = new.get_model("incidents", "Incident")
    assert Incident.objects.get(pk=scoped).workspace_id == acme.pk
    assert Incident.objects.get(pk=global_).workspace_id is None
    assert new.get_model("governance", "Workspace").objects.count() == 1
