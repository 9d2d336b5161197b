"""The structured post-incident review (D9 §2.1 "Post-incident review", issue 17 point 5):
contributing factors, action items that become follow-up tickets, the Owner's sign-off through
the one approval door, the policy number of days and the duties chase of an overdue review."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.models import ApprovalDecision, ApprovalRequest, Notification, Severity
from governance.ops.sweeps import run_sweep
from incidents import reviews, services
from incidents.models import FollowUpTicket, IncidentEvent, PostIncidentReview

DUE = datetime.date(2030, 1, 30)


@pytest.fixture
def review(crew, declare):
    """The open review of a P1 the primary acknowledged and resolved (Wednesday 16 Jan 2030)."""
    incident = declare("P1")
    services.acknowledge(incident=incident, actor=crew["primary"])
    services.resolve(
        incident=incident, actor=crew["primary"], root_cause="Bad deploy", resolution="Rolled back"
    )
    return PostIncidentReview.objects.get(incident=incident)


def page(client, user, review, name="review_page", data=None):
    client.force_login(user)
    url = reverse(f"incidents:{name}", args=[review.incident_id])
    return client.post(url, data) if data is not None else client.get(url)


def test_the_review_page_pulls_the_incident_timeline(crew, review, client, outsider):
    response = page(client, outsider, review)
    text = response.content.decode()
    assert response.status_code == 200
    for event in review.incident.events.all():
        assert event.get_kind_display() in text
    assert "Bad deploy" in text  # the resolution message on the timeline
    # Read-only for someone the rules do not name: no forms.
    assert 'id="factor-form"' not in text and 'id="sign-off-form"' not in text


def test_the_responsible_records_factors_and_action_items_that_become_tickets(crew, review, client):
    primary = crew["primary"]
    response = page(
        client, primary, review, "review_factor", {"description": "No canary for config pushes"}
    )
    assert response.status_code == 302
    response = page(
        client,
        primary,
        review,
        "review_action",
        {"summary": "Add a canary stage", "assignee": crew["sre_lead"].username, "due_on": DUE},
    )
    assert response.status_code == 302

    ticket = FollowUpTicket.objects.get(review=review)
    assert (ticket.assignee, ticket.due_on, ticket.incident) == (
        crew["sre_lead"],
        DUE,
        review.incident,
    )
    assert review.factors.get().description == "No canary for config pushes"
    assert Notification.objects.filter(
        recipient=crew["sre_lead"], dedupe_key__contains=f"action-item:{ticket.pk}"
    ).exists()
    assert ticket.history.first().history_user == primary
    # Shown on the incident page, not only in the admin.
    incident_page = client.get(review.incident.get_absolute_url()).content.decode()
    assert f"ticket-{ticket.pk}" in incident_page and "Add a canary stage" in incident_page


def test_an_outsider_may_not_add_to_a_review_through_the_service_or_the_page(
    crew, review, client, outsider
):
    with pytest.raises(PermissionDenied, match="On-Call"):
        reviews.add_contributing_factor(review=review, actor=outsider, description="x")
    with pytest.raises(PermissionDenied):
        reviews.add_action_item(
            review=review, actor=outsider, summary="x", assignee=outsider, due_on=DUE
        )
    assert page(client, outsider, review, "review_factor", {"description": "x"}).status_code == 403
    response = page(
        client,
        outsider,
        review,
        "review_action",
        {"summary": "x", "assignee": outsider.username, "due_on": DUE},
    )
    assert response.status_code == 403
    assert not review.factors.exists() and not FollowUpTicket.objects.exists()


def test_an_action_item_due_in_the_past_is_refused_next_to_the_field(crew, review, client):
    response = page(
        client,
        crew["primary"],
        review,
        "review_action",
        {"summary": "Add a canary", "assignee": crew["sre_lead"].username, "due_on": "2030-01-01"},
    )
    assert response.status_code == 400
    assert "The due date is in the past" in response.content.decode()
    assert not FollowUpTicket.objects.exists()
    response = page(client, crew["primary"], review, "review_action", {"summary": "Add a canary"})
    assert response.status_code == 400 and not FollowUpTicket.objects.exists()


def file(review, person):
    return reviews.file_review(review=review, actor=person, summary="Deploys now canary first.")


def test_filing_asks_the_owner_whose_sign_off_goes_through_the_one_door(crew, review, client):
    file(review, crew["primary"])
    request = reviews.sign_off_request(review)
    assert request.status == ApprovalRequest.Status.PENDING
    assert list(request.requirements.values_list("role__key", flat=True)) == ["ingestion_owner"]

    response = page(client, crew["owner"], review, "review_sign_off", {"verdict": "approve"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.signed_off_by == crew["owner"] and review.signed_off_at
    decision = ApprovalDecision.objects.get(request=request)
    assert (decision.person, decision.verdict) == (crew["owner"], "approve")
    assert "Signed off" in client.get(review.get_absolute_url()).content.decode()
    assert IncidentEvent.objects.filter(
        incident=review.incident, text__startswith="Post-incident review signed off"
    ).exists()


def test_only_the_owner_signs_off_on_every_door(crew, review, client):
    file(review, crew["primary"])
    request = reviews.sign_off_request(review)
    for person in (crew["primary"], crew["sre_lead"], crew["pm"]):
        with pytest.raises(PermissionDenied):
            reviews.decide_sign_off(review=review, actor=person, verdict="approve")
        assert (
            page(client, person, review, "review_sign_off", {"verdict": "approve"}).status_code
            == 403
        )
        client.post(
            reverse("approvals:decide", args=[request.pk]),
            {"verdict": "approve", "statement": "ok"},
        )
    assert not ApprovalDecision.objects.filter(request=request).exists()
    review.refresh_from_db()
    assert review.signed_off_at is None


def test_a_review_cannot_be_signed_off_before_it_is_filed(crew, review):
    with pytest.raises(PermissionDenied, match="no sign-off waiting"):
        reviews.decide_sign_off(review=review, actor=crew["owner"], verdict="approve")


def test_the_owner_sends_a_review_back_and_filing_again_asks_anew(crew, review, client):
    file(review, crew["primary"])
    response = page(client, crew["owner"], review, "review_sign_off", {"verdict": "veto"})
    assert response.status_code == 400
    assert "Say what the review must rework" in response.content.decode()

    reviews.decide_sign_off(
        review=review, actor=crew["owner"], verdict="veto", statement="Name the missing alert."
    )
    review.refresh_from_db()
    assert review.status == PostIncidentReview.Status.OPEN and review.signed_off_at is None
    reviews.add_contributing_factor(
        review=review, actor=crew["primary"], description="No alert on config drift"
    )
    file(review, crew["primary"])
    statuses = ApprovalRequest.objects.filter(kind=reviews.SIGN_OFF).values_list(
        "status", flat=True
    )
    assert sorted(statuses) == ["cancelled", "pending"]
    reviews.decide_sign_off(review=review, actor=crew["owner"], verdict="approve")
    review.refresh_from_db()
    assert review.signed_off_at


def test_the_review_is_due_the_severitys_policy_number_of_working_days(crew, declare):
    Severity.objects.filter(key="P1").update(review_due_working_days=2)
    incident = declare("P1")
    services.resolve(incident=incident, actor=crew["primary"], root_cause="x", resolution="y")
    # Resolved on Wednesday 16 Jan 2030: two working days later is Friday 18 Jan.
    assert incident.review.due_on == datetime.date(2030, 1, 18)


def test_the_policy_number_of_days_is_edited_in_the_admin_and_refuses_zero(admin_client, db):
    severity = Severity.objects.get(key="P1")
    url = reverse("admin:governance_severity_change", args=[severity.pk])
    form = admin_client.get(url).content.decode()
    assert 'name="review_due_working_days"' in form
    with pytest.raises(ValidationError):
        severity.review_due_working_days = 0
        severity.full_clean()


def test_an_overdue_review_mails_the_owner_once_through_the_duties_chase(crew, review, clock):
    def chased():
        return Notification.objects.filter(dedupe_key__contains=":review-overdue:")

    # Due Wednesday 23 Jan: nothing on that day, one mail to the Owner the day after, once.
    clock.move_to(datetime.datetime(2030, 1, 23, 18, 0, tzinfo=datetime.UTC), tick=False)
    assert "0 overdue review(s) chased" in run_sweep("duties.chase")
    clock.move_to(datetime.datetime(2030, 1, 24, 9, 0, tzinfo=datetime.UTC), tick=False)
    assert "1 overdue review(s) chased" in run_sweep("duties.chase")
    clock.move_to(datetime.datetime(2030, 1, 25, 9, 0, tzinfo=datetime.UTC), tick=False)
    assert "0 overdue review(s) chased" in run_sweep("duties.chase")
    assert [n.recipient_id for n in chased()] == [crew["owner"].pk]
    review.refresh_from_db()
    assert review.overdue_chased_at is not None


def test_a_filed_review_is_not_chased(crew, review, clock):
    file(review, crew["primary"])
    assert (
        reviews.chase_overdue_reviews(now=datetime.datetime(2030, 2, 1, tzinfo=datetime.UTC)) == 0
    )


def test_the_assignee_closes_a_follow_up_and_an_outsider_may_not(crew, review, client, outsider):
    ticket = reviews.add_action_item(
        review=review, actor=crew["primary"], summary="Canary", assignee=crew["pm"], due_on=DUE
    )
    client.force_login(outsider)
    url = reverse("incidents:close_follow_up", args=[review.incident_id, ticket.pk])
    assert client.post(url).status_code == 403
    ticket.refresh_from_db()
    assert ticket.is_open
    client.force_login(crew["pm"])
    assert client.post(url).status_code == 302
    ticket.refresh_from_db()
    assert ticket.closed_by == crew["pm"] and not ticket.is_open
