"""The home's "Waiting on you": my due and overdue duty instances with a check-in button."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import DutyInstance, DutySchedule, Role

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def duties_of(make_user):
    """Instances of the hourly monitoring duty for `eng` (and one for `other`)."""
    eng, other = make_user("eng"), make_user("other")
    schedule = DutySchedule.objects.get(activity__key="hourly_monitoring")
    on_call = Role.objects.get(key="on_call")
    now = timezone.now().replace(second=0, microsecond=0)

    def instance(due_minutes_ago, *, assignee=eng, status="open"):
        due = now - due_minutes_ago * MINUTE
        return DutyInstance.objects.create(
            schedule=schedule,
            due_at=due,
            deadline_at=due + 15 * MINUTE,
            escalate_at=due + 30 * MINUTE,
            responsible_role=on_call,
            assignee=assignee,
            status=status,
        )

    return {
        "eng": eng,
        "due": instance(5),
        "overdue": instance(125),
        "done": instance(65, status="done"),
        "future": instance(-55),
        "others": instance(185, assignee=other),
    }


def test_the_home_lists_my_due_and_overdue_duties_with_a_check_in_button(client, duties_of):
    client.force_login(duties_of["eng"])
    page = client.get(reverse("dashboard")).content.decode()
    card = page[page.index('id="waiting"') :]
    card = card[: card.index("</section>")]
    for key in ("due", "overdue"):
        assert reverse("duties:detail", args=[duties_of[key].pk]) in card
    for key in ("done", "future", "others"):
        assert reverse("duties:detail", args=[duties_of[key].pk]) not in card
    assert card.count(">Check in</a>") == 2
    assert card.count("<strong>overdue</strong>") == 1
    # Oldest first: the overdue one leads.
    overdue = card.index(reverse("duties:detail", args=[duties_of["overdue"].pk]))
    assert overdue < card.index(reverse("duties:detail", args=[duties_of["due"].pk]))


def test_someone_with_no_duty_due_sees_nothing_waiting(client, duties_of, outsider):
    client.force_login(outsider)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="waiting"' in page and "Nothing waits on you." in page
    assert reverse("duties:detail", args=[duties_of["due"].pk]) not in page
