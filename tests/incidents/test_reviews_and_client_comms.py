"""Post-incident reviews (D9 §2.1) and client communication (D9 §7.2)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from governance.models import Notification
from incidents import reviews, services
from incidents.models import ClientCommunication, PostIncidentReview
from tests.incidents.conftest import START, sweep_at


def resolve(incident, person):
    return services.resolve(
        incident=incident, actor=person, root_cause="Bad deploy", resolution="Rolled back"
    )


def test_every_p1_gets_a_review_due_in_five_working_days(crew, declare):
    incident = declare("P1")
    services.acknowledge(incident=incident, actor=crew["primary"])
    resolve(incident, crew["primary"])

    review = PostIncidentReview.objects.get(incident=incident)
    # Resolved on Wednesday 16 Jan 2030: five working days later is Wednesday 23 Jan.
    assert review.due_on == datetime.date(2030, 1, 23)
    assert review.accountable == crew["owner"]
    assert review.responsible == crew["primary"]
    assert incident.updates.get(kind="incident_resolved").body.endswith("Follow-up: Y")


def test_a_p2_gets_no_review_unless_marked_for_one(crew, declare):
    plain = declare("P2")
    marked = declare("P2", title="Marked", review_required=True)
    resolve(plain, crew["primary"])
    resolve(marked, crew["primary"])

    assert not PostIncidentReview.objects.filter(incident=plain).exists()
    assert PostIncidentReview.objects.filter(incident=marked).exists()


def test_review_reminders_run_until_the_summary_is_filed(crew, declare, clock):
    incident = declare("P1")
    resolve(incident, crew["primary"])
    review = incident.review

    def reminders():
        return Notification.objects.filter(
            template="incident-reminder", dedupe_key__contains=":review:"
        ).count()

    sweep_at(clock, datetime.datetime(2030, 1, 22, 8, 59, tzinfo=datetime.UTC))
    assert reminders() == 0
    sweep_at(clock, datetime.datetime(2030, 1, 22, 9, 0, tzinfo=datetime.UTC))
    assert reminders() == 2  # owner and primary
    reviews.file_review(review=review, actor=crew["owner"], summary="Deploy checks added.")
    sweep_at(clock, datetime.datetime(2030, 1, 30, 9, 0, tzinfo=datetime.UTC))
    assert reminders() == 2
    review.refresh_from_db()
    assert review.status == "done"


def test_an_outsider_may_not_file_a_review(crew, declare, outsider):
    incident = declare("P1")
    resolve(incident, crew["primary"])
    with pytest.raises(PermissionDenied):
        reviews.file_review(review=incident.review, actor=outsider, summary="x")


@pytest.fixture
def client_facing(crew, declare):
    return declare("P1", client_facing=True)


def draft(incident, person):
    return services.draft_client_communication(
        incident=incident,
        actor=person,
        title="Uploads delayed",
        status_page_text="Uploads are delayed.",
        email_text="Dear client, uploads are delayed.",
    )


def test_support_drafts_and_the_pm_approval_publishes(crew, client_facing):
    communication = draft(client_facing, crew["support"])
    assert communication.status == ClientCommunication.Status.DRAFT
    assert communication.published_at is None

    services.approve_client_communication(communication=communication, actor=crew["pm"])
    communication.refresh_from_db()
    assert communication.approved_by == crew["pm"] and communication.published_at
    # Nobody subscribes yet: nothing to mail, so it is sent as it is published.
    assert communication.status == ClientCommunication.Status.SENT


def test_nothing_is_published_before_the_pm_approval(crew, client_facing):
    communication = draft(client_facing, crew["support"])
    communication.refresh_from_db()
    assert communication.status == "draft" and communication.published_at is None


def test_only_support_drafts(crew, client_facing):
    with pytest.raises(PermissionDenied, match="Support Lead"):
        draft(client_facing, crew["primary"])


def test_only_the_pm_approves(crew, client_facing):
    communication = draft(client_facing, crew["support"])
    with pytest.raises(PermissionDenied, match="Product Manager"):
        services.approve_client_communication(communication=communication, actor=crew["owner"])
    communication.refresh_from_db()
    assert communication.status == "draft"


def test_nothing_goes_to_clients_for_an_internal_incident(crew, declare):
    with pytest.raises(PermissionDenied, match="not client-facing"):
        draft(declare("P2"), crew["support"])


def test_a_review_opened_on_friday_is_due_the_next_friday(crew, declare, clock):
    clock.move_to(START + datetime.timedelta(days=2), tick=False)
    incident = declare("P1")
    resolve(incident, crew["primary"])
    assert incident.review.due_on == datetime.date(2030, 1, 25)
