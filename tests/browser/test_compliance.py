"""Browser: the Owner opens the month's compliance report and downloads the evidence pack of
an incident (issue 8 acceptance)."""

import csv
import datetime
import io
import zipfile

from django.utils import timezone

from governance.duties.services import local_zone
from governance.models import Severity
from incidents.models import Incident, IncidentEvent


def test_the_owner_opens_the_months_report_and_downloads_an_incident_pack(page, login, owner):
    opened = timezone.now() - datetime.timedelta(minutes=2)
    incident = Incident.objects.create(
        title="Uploads failing",
        severity=Severity.objects.get(key="P1"),
        opened_at=opened,
        ladder_started_at=opened,
        acknowledged_at=opened + datetime.timedelta(minutes=1),
        status="investigating",
    )
    for at, kind in [(opened, "opened"), (opened + datetime.timedelta(minutes=1), "acknowledged")]:
        IncidentEvent.objects.create(incident=incident, at=at, kind=kind, text=f"{kind} it")
    month = opened.astimezone(local_zone()).strftime("%Y-%m")

    login(owner.username)
    page.goto(f"/compliance/?month={month}")
    page.get_by_role("heading", name=f"Compliance report {month}").wait_for()
    assert page.locator("#severities").get_by_role("link", name=f"#{incident.pk}").count() == 1
    with page.expect_download() as info:
        page.get_by_role("link", name=f"Evidence pack for incident #{incident.pk}").click()
    download = info.value
    assert download.suggested_filename == f"evidence-incident-{incident.pk}.zip"
    pack = zipfile.ZipFile(download.path())
    assert {"README.md", "timeline.csv", "roles.csv", "decisions.csv", "mails.csv"} <= set(
        pack.namelist()
    )
    assert f"incident #{incident.pk} — Uploads failing" in pack.read("README.md").decode()
    timeline = list(csv.DictReader(io.StringIO(pack.read("timeline.csv").decode())))
    assert [row["kind"] for row in timeline] == ["opened", "acknowledged"]
    roles = list(csv.DictReader(io.StringIO(pack.read("roles.csv").decode())))
    assert {"role": "Ingestion Owner", "person": owner.username}.items() <= roles[0].items()
