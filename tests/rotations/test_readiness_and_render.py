"""D9 §3.4 readiness and the D9 §3.2 schedule rendered from live weeks."""

from django.utils import timezone

from governance.models import Notification, OnCallExpectation
from governance.policy.checks import find_problems
from governance.policy.render import rotation_schedule_rows
from rotations import services
from rotations.models import ReadinessAttestation


def test_someone_without_d8_attested_put_on_a_week_is_reminded_and_listed(rotation, make_user):
    newcomer = make_user("newbie", first_name="Nia", last_name="New")
    week = rotation.weeks.filter(starts_at__gt=timezone.now()).order_by("starts_at").last()
    services.set_week_holders(
        week=week, primary=newcomer, secondary=week.secondary, actor=None, reason="test"
    )
    assert (
        Notification.objects.filter(
            template="rotations/readiness-reminder", recipient=newcomer
        ).count()
        == 1
    )
    assert any(f.rule == "on_call_not_ready" and "Nia New" in f.message for f in find_problems())


def test_attested_engineers_are_not_listed(rotation):
    assert not [f for f in find_problems() if f.rule == "on_call_not_ready"]


def test_only_the_engineer_attests_their_own_readiness(client, rotation, primary, secondary):
    import pytest
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.attest_readiness(
            actor=secondary, user=primary, expectations=OnCallExpectation.objects.all()
        )
    client.force_login(primary)
    expectation = OnCallExpectation.objects.first()
    client.post("/rotations/readiness/", {"expectations": [expectation.pk]})
    assert ReadinessAttestation.objects.get(user=primary, expectation=expectation).attested_on == (
        timezone.localdate()
    )


def test_readiness_form_asks_for_a_tick_in_plain_words(client, primary):
    client.force_login(primary)
    response = client.post("/rotations/readiness/", {})
    assert "Tick at least one expectation" in response.content.decode()


def test_render_policy_fills_the_next_four_weeks(rotation):
    rows = rotation_schedule_rows(4)
    assert len(rows) == 4
    assert rows[0][0].startswith("Week 1")
    assert all(primary != secondary for _label, primary, secondary in rows)


def test_adding_a_roster_member_rebalances_only_future_weeks(rotation, make_user):
    now = timezone.now()
    past = {w.pk: (w.primary_id, w.secondary_id) for w in rotation.weeks.filter(starts_at__lte=now)}
    newcomer = make_user("eng_eve", first_name="Eve", last_name="Evans")
    services.add_to_roster(rotation=rotation, user=newcomer, actor=None)
    assert past == {
        w.pk: (w.primary_id, w.secondary_id) for w in rotation.weeks.filter(starts_at__lte=now)
    }
    future = rotation.weeks.filter(starts_at__gt=now).order_by("starts_at")[:10]
    assert newcomer.pk in {w.primary_id for w in future}
    assert all(w.primary_id != w.secondary_id for w in future)
    assert rotation.weeks.first().history.count() >= 1
