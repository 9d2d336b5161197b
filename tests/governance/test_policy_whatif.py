"""Policy what-if (D9 §9): drafts of the D9 tables, their diff against the live tables, the
replay of a month of history under a draft against figures computed by hand, and publishing a
draft with its report attached to the §9 approval."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.approvals import services as approvals
from governance.models import (
    ApprovalRequest,
    EscalationStep,
    KillSwitchScenario,
    Notification,
    PolicyDraft,
    PolicyVersion,
)
from governance.policy import drafts
from governance.whatif import services as whatif
from tests.helpers.whatif import AT, CLOCK, SINCE, build_month, t

pytestmark = pytest.mark.django_db
STEP = "governance.escalationstep"
SCENARIO = "governance.killswitchscenario"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(CLOCK, tick=False)
    return time_machine


@pytest.fixture
def month(rotation, owner, sre_lead, pm, on_call_at_fixture):
    return build_month(owner=owner, on_call_at=on_call_at_fixture)


def _name(user):
    return user.get_full_name()


def _step(severity, role):
    return EscalationStep.objects.get(severity__key=severity, role__key=role)


def _form_data(draft, table, pk, **changes):
    model = drafts.table_model(table)
    form = drafts.draft_form(draft, model, pk)
    data = {}
    for name, bound in form.fields.items():
        value = form.initial.get(name)
        if isinstance(bound.widget, __import__("django").forms.CheckboxInput):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def _edit(draft, actor, table, pk, **changes):
    return drafts.edit_draft_row(
        actor=actor, draft=draft, table=table, pk=pk, data=_form_data(draft, table, pk, **changes)
    )


def _figures(report) -> dict:
    return {row["figure"]: (row["live"], row["draft"]) for row in report.rows()}


def test_moving_the_p1_secondary_to_ten_minutes_pages_the_secondary_of_a_once_more(
    month, owner, on_call_at_fixture
):
    draft = drafts.open_draft(actor=owner, title="Secondary at 10 min")
    secondary_step = _step("P1", "on_call_secondary")
    draft = _edit(draft, owner, STEP, secondary_step.pk, at_minute=10)
    report = whatif.what_if(draft=draft, since=SINCE, at=AT)
    figures = _figures(report)

    crew_a = on_call_at_fixture(t(1, 10, 10))
    crew_b = on_call_at_fixture(t(1, 15, 23))
    crew_c = on_call_at_fixture(t(1, 18, 14))
    # Live: A pages its primary; B its primary, secondary (ladder and response track at 23:15,
    # once) and the Owner at 23:30; C its primary. Draft: A's secondary joins at 10:10, before
    # A is resolved at 10:12.
    live = Counter({_name(crew_a.primary): 1, _name(crew_c.primary): 1})
    live.update({_name(crew_b.primary): 1, _name(crew_b.secondary): 1, _name(owner): 1})
    proposed = live + Counter({_name(crew_a.secondary): 1})
    assert report.live.pages_by_person == live
    assert report.proposed.pages_by_person == proposed
    assert figures["Pages"] == (5, 6)
    assert figures["Pages as On-Call Secondary"] == (1, 2)
    assert figures["Night pages (22:00–07:00)"] == (3, 3)
    assert figures["Escalation reached: P1 Secondary joins"] == (1, 2)
    assert figures["Escalation reached: P1 Primary acks"] == (2, 2)
    assert figures["Escalation reached: P1 Ingestion Owner joins"] == (1, 1)
    assert figures["Update reminders (D9 §7.1)"] == (2, 2)  # B: 23:30 and 00:10
    assert figures["Compliance: acknowledged within the Primary's response time"] == (
        "2/3 (67%) (15 min)",
        "2/3 (67%) (15 min)",
    )
    # A: 2 gaps of 0 and 12 min; B: 0, 40 and 60 min; C: 0 and 20 min.
    assert figures["Compliance: updates within the cadence"][0] == "5/7 (71%) (30 min)"
    changed = [(d.event.record_id, d.event.person, d.change) for d in report.differences]
    assert changed == [
        (month["A"].pk, _name(crew_a.secondary), "only under the draft, 2030-01-10 10:10"),
        (
            month["B"].pk,
            _name(crew_b.secondary),
            "Secondary joins, 2030-01-15 23:15 → Secondary joins, 2030-01-15 23:10",
        ),
    ]
    assert report.differences[0].url == reverse("incidents:detail", args=[month["A"].pk])
    (table,) = report.table_diff
    assert table.changed[0].fields == [("at_minute", "15", "10")]


def test_an_owner_deadline_of_ten_minutes_makes_pause_x_overdue(month, owner):
    draft = drafts.open_draft(actor=owner, title="Owner within 10 min")
    scenario = KillSwitchScenario.objects.get(key="error_rate_10")
    draft = _edit(draft, owner, SCENARIO, scenario.pk, approval_minutes=10)
    report = whatif.what_if(draft=draft, since=SINCE, at=AT)
    figures = _figures(report)
    assert figures["Approvals required (D9 §5.1)"] == (3, 3)
    assert figures["Approvals overdue"] == (1, 2)  # Z (20 min); and X (12 min) under 10 min
    assert figures["Approvals refused"] == (0, 0)
    assert figures["Compliance: approvals by their deadline"] == ("2/3 (67%)", "1/3 (33%)")
    assert figures["Pages"] == (5, 5)
    # Every deadline moves; only X changes state.
    changes = {d.event.record_id: d.change for d in report.differences}
    assert changes == {
        month["X"].pk: "Ingestion Owner approval required (due 2030-01-09 12:15), 2030-01-09 "
        "12:15 → Ingestion Owner approval overdue (due 2030-01-09 12:10), 2030-01-09 12:10",
        month["Y"].pk: "Ingestion Owner approval required (due 2030-01-23 12:15), 2030-01-23 "
        "12:15 → Ingestion Owner approval required (due 2030-01-23 12:10), 2030-01-23 12:10",
        month["Z"].pk: "Ingestion Owner approval overdue (due 2030-01-29 12:15), 2030-01-29 "
        "12:15 → Ingestion Owner approval overdue (due 2030-01-29 12:10), 2030-01-29 12:10",
    }
    assert report.differences[0].url == reverse("killswitch:detail", args=[month["X"].pk])


def test_an_unchanged_draft_replays_to_identical_figures_deterministically(month, owner):
    draft = drafts.open_draft(actor=owner, title="Nothing")
    first = whatif.what_if(draft=draft, since=SINCE, at=AT)
    again = whatif.what_if(draft=draft, since=SINCE, at=AT)
    assert all(not row["differs"] for row in first.rows())
    assert first.differences == [] and first.table_diff == []
    assert first.as_json() == again.as_json()


def test_the_replay_writes_nothing_and_sends_no_mail(month, owner):
    draft = drafts.open_draft(actor=owner, title="Secondary at 10 min")
    draft = _edit(draft, owner, STEP, _step("P1", "on_call_secondary").pk, at_minute=10)
    mails = Notification.objects.count()
    with CaptureQueriesContext(connection) as queries:
        whatif.what_if(draft=draft, since=SINCE, at=AT)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert Notification.objects.count() == mails
    assert _step("P1", "on_call_secondary").at_minute == 15


def test_a_draft_edit_changes_the_draft_only_and_refuses_bad_values(month, owner):
    draft = drafts.open_draft(actor=owner, title="Bad")
    pk = _step("P1", "on_call_secondary").pk
    with pytest.raises(ValidationError) as error:
        _edit(draft, owner, STEP, pk, at_minute="-5")
    assert "at_minute" in error.value.message_dict
    draft.refresh_from_db()
    assert drafts.diff(draft.tables) == []
    draft = _edit(draft, owner, STEP, pk, at_minute=10)
    assert _step("P1", "on_call_secondary").at_minute == 15
    assert draft.history.count() == 2  # opened, edited once


def test_only_the_document_control_roles_open_or_edit_drafts(month, owner, outsider):
    with pytest.raises(PermissionDenied):
        drafts.open_draft(actor=outsider, title="Mine")
    draft = drafts.open_draft(actor=owner, title="Owner's")
    with pytest.raises(PermissionDenied):
        _edit(draft, outsider, STEP, _step("P1", "on_call_secondary").pk, at_minute=10)


def test_publishing_a_draft_attaches_the_report_and_applies_it_once_approved(
    month, owner, sre_lead, pm, client
):
    draft = drafts.open_draft(actor=owner, title="Secondary at 10 min")
    draft = _edit(draft, owner, STEP, _step("P1", "on_call_secondary").pk, at_minute=10)
    version = whatif.publish_draft(
        actor=owner,
        draft=draft,
        version="1.1",
        date=AT.date(),
        change_summary="P1 secondary joins at 10 min",
        since=SINCE,
        at=AT,
    )
    draft.refresh_from_db()
    assert draft.status == PolicyDraft.Status.PROPOSED and draft.version == version
    assert {"figure": "Pages", "live": 5, "draft": 6, "differs": True} in draft.report["figures"]
    assert draft.report["differences_total"] == 2
    request = ApprovalRequest.objects.get(kind="policy.publish")
    client.force_login(pm)
    for name in ("rollout:signoff", "rollout:signoff_print"):
        page = client.get(reverse(name, args=[request.pk])).content.decode()
        assert "What-if replay" in page and "P1 Secondary joins" in page
        assert reverse("incidents:detail", args=[month["A"].pk]) in page
    assert _step("P1", "on_call_secondary").at_minute == 15
    for person in (sre_lead, pm):
        approvals.decide_approval(
            request=request, actor=person, verdict="approve", statement="ok", at=AT
        )
    version.refresh_from_db()
    assert version.status == PolicyVersion.Status.OPERATIONAL
    step = _step("P1", "on_call_secondary")
    assert step.at_minute == 10
    assert step.history.first().history_change_reason == f"Applied from policy draft #{draft.pk}"
    with pytest.raises(ValidationError):
        whatif.publish_draft(
            actor=owner, draft=draft, version="1.2", date=AT.date(), change_summary="again", at=AT
        )


def test_the_command_prints_the_same_report(month, owner, clock):
    draft = drafts.open_draft(actor=owner, title="Secondary at 10 min")
    draft = _edit(draft, owner, STEP, _step("P1", "on_call_secondary").pk, at_minute=10)
    clock.move_to(AT, tick=False)
    out = StringIO()
    call_command(
        "policy_whatif", "--draft", str(draft.pk), "--since", "2030-01-05", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data == whatif.what_if(draft=draft, since=SINCE, at=AT).as_json()
    out = StringIO()
    call_command("policy_whatif", "--draft", str(draft.pk), "--since", "2030-01-05", stdout=out)
    text = out.getvalue()
    assert "Escalation reached: P1 Secondary joins" in text and "2 event(s) differ" in text
    assert "at_minute 15 → 10" in text


def test_the_pages_draft_edit_diff_replay_and_publish(month, owner, client):
    client.force_login(owner)
    response = client.post(reverse("whatif:list"), {"title": "Secondary at 10 min"})
    draft = PolicyDraft.objects.get()
    assert response.url == reverse("whatif:draft", args=[draft.pk])
    pk = _step("P1", "on_call_secondary").pk
    url = reverse("whatif:edit_row", args=[draft.pk, STEP, pk])
    assert "at_minute" in client.get(url).content.decode()
    bad = client.post(url, _form_data(draft, STEP, pk, at_minute="soon"))
    assert bad.status_code == 400 and "Enter a whole number" in bad.content.decode()
    client.post(url, _form_data(draft, STEP, pk, at_minute=10))
    page = client.get(reverse("whatif:draft", args=[draft.pk])).content.decode()
    assert "Changes against the live policy" in page and "<strong>10</strong>" in page
    page = client.get(
        reverse("whatif:draft", args=[draft.pk]), {"replay": "1", "since": "2030-01-05"}
    ).content.decode()
    assert "What-if replay" in page and "Escalation reached: P1 Secondary joins" in page
    bad = client.get(
        reverse("whatif:draft", args=[draft.pk]), {"replay": "1", "since": "2031-01-01"}
    )
    assert "The window must start in the past." in bad.content.decode()
    response = client.post(
        reverse("whatif:publish", args=[draft.pk]),
        {
            "version": "1.1",
            "date": "2030-01-16",
            "change_summary": "Secondary at 10",
            "since": "2030-01-05",
        },
    )
    request = ApprovalRequest.objects.get(kind="policy.publish")
    assert response.url == reverse("rollout:signoff", args=[request.pk])
    assert "What-if replay" in client.get(response.url).content.decode()


def test_the_pages_refuse_who_may_not_propose_a_version(month, owner, outsider, client):
    draft = drafts.open_draft(actor=owner, title="Owner's")
    client.force_login(outsider)
    assert client.get(reverse("whatif:list")).status_code == 403
    assert client.get(reverse("whatif:draft", args=[draft.pk])).status_code == 403
    pk = _step("P1", "on_call_secondary").pk
    url = reverse("whatif:edit_row", args=[draft.pk, STEP, pk])
    assert client.post(url, {"at_minute": "1"}).status_code == 403
    draft.refresh_from_db()
    assert drafts.diff(draft.tables) == []


def test_the_replay_costs_the_same_queries_with_more_incidents_in_a_batch(month, owner):
    from incidents.models import Incident

    draft = drafts.open_draft(actor=owner, title="Nothing")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            whatif.what_if(draft=draft, since=SINCE, at=AT)
        return len(queries.captured_queries)

    few = count()
    severity = month["A"].severity
    for n in range(40):  # the days of A and B: no new instant where holders change
        opened = t(1, 10 if n % 2 else 15, 11, n)
        Incident.objects.create(
            title=f"More {n}",
            severity=severity,
            opened_at=opened,
            ladder_started_at=opened,
            acknowledged_at=opened,
            resolved_at=opened,
            status="resolved",
        )
    assert count() == few


def test_the_command_refuses_an_unknown_draft_or_a_bad_date(month, owner):
    from django.core.management.base import CommandError

    draft = drafts.open_draft(actor=owner, title="Nothing")
    with pytest.raises(CommandError, match="no policy draft #999"):
        call_command("policy_whatif", "--draft", "999")
    with pytest.raises(CommandError, match="is not a date"):
        call_command("policy_whatif", "--draft", str(draft.pk), "--since", "yesterday")
    with pytest.raises(CommandError, match="at most one year"):
        call_command("policy_whatif", "--draft", str(draft.pk), "--since", "2020-01-01")
