"""The compliance report against hand-computed figures on a small seeded history of January 2025
(a late acknowledgement, a missed update slot, an overdue review), its page, CSV, mail and the
evidence pack."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse

from governance.compliance import report as compliance
from governance.models import DutyInstance, DutySchedule, Notification, Role, Severity

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def t(day, hour, minute=0):
    return datetime.datetime(2025, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def history(owner, make_user):
    from incidents.models import (
        Incident,
        IncidentStep,
        IncidentUpdate,
        PostIncidentReview,
        Responder,
    )

    eng = make_user("eng")
    p1, p2 = Severity.objects.get(key="P1"), Severity.objects.get(key="P2")
    on_call = Role.objects.get(key="on_call_primary")

    def incident(title, severity, opened, acked, resolved, updates):
        row = Incident.objects.create(
            title=title,
            severity=severity,
            opened_at=opened,
            ladder_started_at=opened,
            acknowledged_at=acked,
            resolved_at=resolved,
            status="resolved",
        )
        for at in updates:
            IncidentUpdate.objects.create(
                incident=row, kind="incident_update", status="investigating", body="u", posted_at=at
            )
        Responder.objects.create(incident=row, user=eng, role=on_call, paged_at=opened)
        return row

    # A: on time everywhere but its review (due 15 Jan, filed 20 Jan).
    a = incident("A", p1, t(10, 10), t(10, 10, 5), t(10, 11, 10), [t(10, 10, 25), t(10, 10, 50)])
    IncidentStep.objects.create(
        incident=a,
        kind="ladder",
        key="s",
        label="Secondary joins",
        due_at=t(10, 10, 15),
        fired_at=t(10, 10, 15),
    )
    PostIncidentReview.objects.create(
        incident=a,
        due_on=datetime.date(2025, 1, 15),
        status="done",
        filed_at=t(20, 9),
    )
    # B: at night; acknowledged after 20 min (late), a 45-min gap between updates, a late step.
    b = incident("B", p1, t(12, 23), t(12, 23, 20), t(13, 0, 30), [t(12, 23, 20), t(13, 0, 5)])
    IncidentStep.objects.create(
        incident=b,
        kind="ladder",
        key="s",
        label="Secondary joins",
        due_at=t(12, 23, 15),
        fired_at=t(12, 23, 25),
    )
    PostIncidentReview.objects.create(
        incident=b, due_on=datetime.date(2025, 1, 20), status="done", filed_at=t(14, 9)
    )
    # C: a quick P2.
    c = incident("C", p2, t(20, 14), t(20, 14, 10), t(20, 14, 20), [])
    schedule = DutySchedule.objects.get(activity__key="hourly_monitoring")
    for hour, status in [(8, "done"), (9, "late"), (10, "missed")]:
        DutyInstance.objects.create(
            schedule=schedule,
            due_at=t(6, hour),
            deadline_at=t(6, hour, 15),
            escalate_at=t(6, hour, 30),
            responsible_role=Role.objects.get(key="on_call"),
            assignee=eng,
            status=status,
        )
    return {"a": a, "b": b, "c": c, "eng": eng}


def _january():
    return compliance.build_report(start=t(1, 0), end=datetime.datetime(2025, 2, 1, tzinfo=UTC))


def test_figures_match_the_hand_computed_values(history):
    report = _january()
    by = {s.severity: s for s in report.severities}
    assert (by["P1"].mtta_minutes, by["P1"].mttr_minutes) == (12.5, 80.0)
    assert (by["P2"].mtta_minutes, by["P2"].mttr_minutes) == (10.0, 20.0)
    a, b = history["a"].pk, history["b"].pk
    assert (report.acks_in_time.good, report.acks_in_time.total) == (2, 3)
    assert report.acks_in_time.bad_ids == [b]
    assert (report.updates_in_slot.good, report.updates_in_slot.total) == (6, 7)
    assert report.updates_in_slot.bad_ids == [b]
    assert (report.p1_reviews_on_time.good, report.p1_reviews_on_time.total) == (1, 2)
    assert report.p1_reviews_on_time.bad_ids == [a]
    assert (report.steps_on_time.good, report.steps_on_time.total) == (2, 3)
    assert report.steps_on_time.bad_ids == [b]
    assert (report.duties_done.good, report.duties_done.total) == (1, 3)
    eng = next(p for p in report.people if p.user == history["eng"])
    assert (eng.pages, eng.night_pages) == (3, 1)
    assert eng.night_incident_ids == [b]


def test_the_report_costs_a_bounded_number_of_queries(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        _january()


def test_the_owner_reads_the_page_with_links_and_the_csv(client, owner, history):
    client.force_login(owner)
    page = client.get(reverse("compliance:report"), {"month": "2025-01"}).content.decode()
    assert "<svg" in page
    assert reverse("incidents:detail", args=[history["b"].pk]) in page
    assert reverse("compliance:incident_pack", args=[history["a"].pk]) in page
    csv = client.get(reverse("compliance:report"), {"month": "2025-01", "format": "csv"})
    text = csv.content.decode()
    assert "MTTA P1 (min),12.5,2" in text
    assert f"Acknowledged within 15 min,2,3,{history['b'].pk}" in text


def test_someone_only_informed_of_the_reviews_may_not_read_the_report(client, support, history):
    client.force_login(support)
    assert client.get(reverse("compliance:report")).status_code == 403
    pack = reverse("compliance:incident_pack", args=[history["a"].pk])
    assert client.get(pack).status_code == 403


def test_the_evidence_pack_of_an_incident_holds_markdown_and_csvs(client, owner, history):
    client.force_login(owner)
    response = client.get(reverse("compliance:incident_pack", args=[history["b"].pk]))
    assert response["Content-Type"] == "application/zip"
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(pack.namelist()) == [
        "MANIFEST.sha256",
        "README.md",
        "decisions.csv",
        "mails.csv",
        "record/chain.jsonl",
        "record/segment.json",
        "roles.csv",
        "timeline.csv",
        "verify_record.py",
    ]
    assert "incident #" in pack.read("README.md").decode()


def test_the_monthly_mail_goes_to_the_owner_once(owner, history):
    now = datetime.datetime(2025, 2, 1, 8, tzinfo=UTC)
    assert compliance.send_monthly_report(now=now) == 1
    assert compliance.send_monthly_report(now=now) == 0
    mail = Notification.objects.get(template="compliance-monthly")
    assert mail.recipient == owner
    assert "2025-01" in mail.subject and "Update slots met: 6/7" in mail.body_text
