"""Map each incident's workspace slug to its Workspace row (step 2 of 3), history rows too.

No workspace is created: a slug naming no workspace stops the migration with the list of such
slugs, so nobody's incident silently becomes global. Create those workspaces (admin) and migrate
again. Reversing writes the slugs back.
"""

from django.db import migrations


def link_workspaces(apps, schema_editor):
    Workspace = apps.get_model("governance", "Workspace")
    by_slug = {slug.lower(): pk for pk, slug in Workspace.objects.values_list("pk", "slug")}
    models = [apps.get_model("incidents", name) for name in ("Incident", "HistoricalIncident")]
    slugs = set()
    for model in models:
        slugs.update(model.objects.exclude(workspace="").values_list("workspace", flat=True))
    unknown = sorted(slug for slug in slugs if slug.lower() not in by_slug)
    if unknown:
        raise RuntimeError(
            "Incidents name workspaces that do not exist: "
            f"{', '.join(unknown)}. Create them, then run the migration again."
        )
    for model in models:
        for slug in slugs:
            model.objects.filter(workspace=slug).update(workspace_ref_id=by_slug[slug.lower()])


def write_slugs_back(apps, schema_editor):
    Workspace = apps.get_model("governance", "Workspace")
    for model in [apps.get_model("incidents", name) for name in ("Incident", "HistoricalIncident")]:
        for pk, slug in Workspace.objects.values_list("pk", "slug"):
            model.objects.filter(workspace_ref_id=pk).update(workspace=slug)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_add_incident_workspace_link")]

    operations = [migrations.RunPython(link_workspaces, write_slugs_back)]
