"""Issue 16: the duty pages show "nobody held R" instead of failing, and cost the same queries
for few or many instances (point 2)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.models import DutyInstance, DutySchedule

pytestmark = pytest.mark.django_db


def _instances(count: int, *, assignee=None, offset: int = 0) -> list[DutyInstance]:
    schedule = DutySchedule.objects.select_related("activity").get(
        activity__key="hourly_monitoring"
    )
    role = schedule.activity.entries.filter(letter="R").first().role
    now = timezone.now()
    made = []
    for hour in range(offset, offset + count):
        due = now - datetime.timedelta(hours=hour + 1)
        made.append(
            DutyInstance.objects.create(
                schedule=schedule,
                due_at=due,
                deadline_at=due + datetime.timedelta(minutes=15),
                escalate_at=due + datetime.timedelta(minutes=30),
                responsible_role=role,
                assignee=assignee,
            )
        )
    return made


def test_duty_pages_show_an_instance_nobody_held(client, owner):
    (instance,) = _instances(1)
    client.force_login(owner)
    listing = client.get(reverse("duties:list"))
    assert listing.status_code == 200 and "nobody held R" in listing.content.decode()
    detail = client.get(reverse("duties:detail", args=[instance.pk]))
    assert detail.status_code == 200
    assert "nobody (no one held the role)" in detail.content.decode()


def _list_queries(client) -> int:
    client.get(reverse("duties:list"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("duties:list")).status_code == 200
    return len(queries)


def test_duty_list_costs_the_same_for_few_or_many_instances(client, owner):
    client.force_login(owner)
    _instances(2, assignee=owner)
    _instances(1, offset=2)
    small = _list_queries(client)
    _instances(10, assignee=owner, offset=3)
    _instances(5, offset=13)
    assert _list_queries(client) == small
