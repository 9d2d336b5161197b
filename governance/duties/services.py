"""Services of the recurring Steady State duties (D9 §2.1 "Hourly monitoring", "Daily health
review", "Metrics review").

Every letter is read from the activity's `RaciEntry` rows and every person from who holds the
role at the moment (`authority.holders`): an instance is assigned to the holder of R at its slot,
a missed one reminds that person once and then informs the holders of A, C may comment, I get a
summary of each day. Sweeps call `generate_due_instances`, `chase_due_duties` and
`send_day_summaries` with `now`; each reminder, escalation and summary is a `DutyNotice` row with
a unique key, so it fires once whatever the number of workers or replays.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from governance import authority
from governance.models import (
    Cadence,
    DutyCheckIn,
    DutyComment,
    DutyInstance,
    DutyNotice,
    DutySchedule,
    Health,
    RaciActivity,
    RaciEntry,
    Role,
)
from governance.notifications.outbox import notify

# A sweep that was down for longer creates no more than this many past slots per schedule.
MAX_CATCH_UP = 48
PERIOD = {
    Cadence.HOURLY: datetime.timedelta(hours=1),
    Cadence.DAILY: datetime.timedelta(days=1),
    Cadence.WEEKLY: datetime.timedelta(weeks=1),
}


def local_zone() -> zoneinfo.ZoneInfo:
    """The portal's zone: "local" in D9 wall-clock rules (daily 10:00, Monday 11:00)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def raci(activity: RaciActivity) -> dict[str, list[Role]]:
    """D9 §2.1: the roles of each letter of `activity`, letters in legend order (R, A, C, I),
    roles in table order. A plain dict: templates look up `.items` as a key first, and a
    defaultdict would answer that lookup with an empty list (the empty RACI column)."""
    letters: dict[str, list[Role]] = {letter: [] for letter in RaciEntry.Letter.values}
    entries = RaciEntry.objects.filter(activity=activity).select_related("role")
    for entry in entries.order_by("role__position", "role__key"):
        letters[entry.letter].append(entry.role)
    return {letter: roles for letter, roles in letters.items() if roles}


def holders_of(roles, *, at: datetime.datetime) -> list:
    """Everyone holding any of `roles` at `at`, each once, in role order."""
    people = {}
    for role in roles:
        for person in authority.holders(role.key, at=at):
            people.setdefault(person.pk, person)
    return list(people.values())


def slots(schedule: DutySchedule, *, after: datetime.datetime, until: datetime.datetime):
    """The schedule's due instants in (after, until], in UTC; wall-clock cadences are computed
    in the portal's zone with zoneinfo, so 10:00 stays 10:00 across DST changes."""
    if schedule.cadence == Cadence.HOURLY:
        start = after.replace(minute=schedule.time_of_day.minute, second=0, microsecond=0)
        while start <= after:
            start += PERIOD[Cadence.HOURLY]
        result = []
        while start <= until:
            result.append(start)
            start += PERIOD[Cadence.HOURLY]
        return result
    zone = local_zone()
    day = after.astimezone(zone).date()
    last = until.astimezone(zone).date()
    result = []
    while day <= last:
        if schedule.cadence == Cadence.DAILY or day.weekday() == schedule.weekday:
            local = datetime.datetime.combine(day, schedule.time_of_day, tzinfo=zone)
            instant = local.astimezone(datetime.UTC)
            if after < instant <= until:
                result.append(instant)
        day += datetime.timedelta(days=1)
    return result


def generate_due_instances(*, now: datetime.datetime) -> int:
    """Create the instance of every slot that has come due since the last one (at most
    MAX_CATCH_UP per schedule), assigned to whoever holds the activity's R at the slot.
    The unique (schedule, due_at) constraint makes a concurrent or repeated run harmless."""
    created = 0
    schedules = DutySchedule.objects.filter(active=True).select_related("activity")
    latest = dict(
        DutyInstance.objects.filter(schedule__in=schedules)
        .values_list("schedule")
        .annotate(last=Max("due_at"))
    )
    for schedule in schedules:
        period = PERIOD[schedule.cadence]
        after = latest.get(schedule.pk) or now - period
        after = max(after, now - period * MAX_CATCH_UP)
        due = slots(schedule, after=after, until=now)
        if not due:
            continue
        responsible = raci(schedule.activity).get(RaciEntry.Letter.RESPONSIBLE, [])
        if not responsible:
            continue
        for slot in due:
            created += _create_instance(
                schedule, responsible[0], slot, latest=slot == due[-1], now=now
            )
    return created


def _create_instance(
    schedule: DutySchedule, role: Role, slot: datetime.datetime, *, latest: bool, now
) -> int:
    """One slot's instance. Catching up after downtime (issue 12 point 8), an earlier slot
    whose check-in deadline has already passed is recorded as missed at once, without a
    reminder or an escalation each: only what is due now (the latest slot) is chased."""
    people = authority.holders(role.key, at=slot)
    deadline = slot + datetime.timedelta(minutes=schedule.grace_minutes)
    missed = not latest and deadline <= now
    instance = DutyInstance(
        schedule=schedule,
        due_at=slot,
        deadline_at=deadline,
        escalate_at=deadline + datetime.timedelta(minutes=schedule.escalate_after_minutes),
        responsible_role=role,
        assignee=people[0] if people else None,
        next_check_at=None if missed else deadline,
        status=DutyInstance.Status.MISSED if missed else DutyInstance.Status.OPEN,
    )
    instance._history_user = None
    instance._change_reason = (
        f"Missed while the sweeps were not running ({schedule.describe()})"
        if missed
        else f"Due ({schedule.describe()})"
    )
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        return 0
    return 1


def _fire(key: str, kind: str, *, instance: DutyInstance | None, now) -> bool:
    """Record that a notice fired; False when it already had (another worker, a replay)."""
    try:
        with transaction.atomic():
            DutyNotice.objects.create(key=key, kind=kind, instance=instance, fired_at=now)
    except IntegrityError:
        return False
    return True


Chase = Callable[..., int]
CHASES: dict[str, Chase] = {}


def register_chase(label: str, chase: Chase) -> Chase:
    """Register `chase(*, now) -> count`, something overdue the duties chase also follows up
    (e.g. the incidents app's overdue post-incident reviews, D9 §2.1); `label` names the count
    in the sweep's report. Registered in the owning app's `ready()`."""
    CHASES[label] = chase
    return chase


def run_registered_chases(*, now: datetime.datetime) -> dict[str, int]:
    """Each registered chase's count at `now`."""
    return {label: chase(now=now) for label, chase in CHASES.items()}


def chase_due_duties(*, now: datetime.datetime) -> tuple[int, int]:
    """D9 §2.1: an instance not checked in by its deadline reminds its Responsible once; still
    open at its escalation time, it is marked missed and its Accountable is informed (the
    schedule's fallback role when the activity names no A). Returns (reminded, escalated)."""
    reminded = escalated = 0
    due_ids = list(
        DutyInstance.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due_ids:
        with transaction.atomic():
            instance = (
                DutyInstance.objects.select_for_update(of=("self",))
                .select_related("schedule__activity", "schedule__fallback_role", "assignee")
                .filter(pk=pk, next_check_at__lte=now)
                .first()
            )
            if instance is None:
                continue
            if instance.is_done:
                _set_next_check(instance, None, reason="Done")
                continue
            if now >= instance.escalate_at and _superseded(instance, now=now):
                # Issue 12 point 8: after downtime only what is due now is chased; a slot whose
                # whole chase passed while a later slot came due is recorded missed, quietly.
                instance.status = DutyInstance.Status.MISSED
                _set_next_check(instance, None, reason="Missed while the sweeps were not running")
                continue
            if _fire(f"duty:{pk}:reminder", DutyNotice.Kind.REMINDER, instance=instance, now=now):
                _remind(instance, now=now)
                reminded += 1
                # A reminder sent late (beat stopped, or a first run catching up) still leaves
                # the Responsible the schedule's usual time to answer before A is informed.
                respond_by = instance.escalate_at
                if now >= respond_by:
                    respond_by = now + (instance.escalate_at - instance.deadline_at)
                _set_next_check(instance, respond_by, reason="Responsible reminded")
                continue
            if now >= instance.escalate_at:
                if _fire(
                    f"duty:{pk}:escalation", DutyNotice.Kind.ESCALATION, instance=instance, now=now
                ):
                    _escalate(instance, now=now)
                    escalated += 1
                instance.status = DutyInstance.Status.MISSED
                _set_next_check(instance, None, reason="Missed: Accountable informed")
            else:
                _set_next_check(instance, instance.escalate_at, reason="Waiting for escalation")
    return reminded, escalated


def _superseded(instance: DutyInstance, *, now) -> bool:
    """A later slot of the same schedule has come due."""
    return DutyInstance.objects.filter(
        schedule_id=instance.schedule_id, due_at__gt=instance.due_at, due_at__lte=now
    ).exists()


def _set_next_check(instance: DutyInstance, when, *, reason: str) -> None:
    instance.next_check_at = when
    instance._history_user = None
    instance._change_reason = reason
    instance.save()


def _remind(instance: DutyInstance, *, now) -> None:
    people = [instance.assignee] if instance.assignee else []
    if not people:
        people = authority.holders(instance.responsible_role.key, at=now)
    for person in people:
        notify(
            person,
            "duty-reminder",
            {"instance": instance, "activity": instance.schedule.activity},
            dedupe_key=f"duty-reminder:{instance.pk}:{person.pk}",
        )


def escalation_roles(schedule: DutySchedule) -> list[Role]:
    """Who is told of a missed instance: the activity's A, else the schedule's fallback role."""
    accountable = raci(schedule.activity).get(RaciEntry.Letter.ACCOUNTABLE, [])
    if accountable:
        return accountable
    return [schedule.fallback_role] if schedule.fallback_role_id else []


def _escalate(instance: DutyInstance, *, now) -> None:
    for person in holders_of(escalation_roles(instance.schedule), at=now):
        notify(
            person,
            "duty-missed",
            {"instance": instance, "activity": instance.schedule.activity},
            dedupe_key=f"duty-missed:{instance.pk}:{person.pk}",
        )


def send_day_summaries(*, now: datetime.datetime) -> int:
    """D9 §2.1 Informed: once a local day is over, each Informed role's holders get the day's
    summary of every duty that had instances that day (one mail per duty and day)."""
    zone = local_zone()
    day = now.astimezone(zone).date() - datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    end = start + datetime.timedelta(days=1)
    sent = 0
    for schedule in DutySchedule.objects.filter(active=True).select_related("activity"):
        key = f"duty-summary:{schedule.pk}:{day.isoformat()}"
        if DutyNotice.objects.filter(key=key).exists():
            continue
        instances = list(
            schedule.instances.filter(due_at__gte=start, due_at__lt=end)
            .select_related("assignee", "check_in")
            .order_by("due_at")
        )
        if not instances:
            continue
        informed = raci(schedule.activity).get(RaciEntry.Letter.INFORMED, [])
        with transaction.atomic():
            if not _fire(key, DutyNotice.Kind.SUMMARY, instance=None, now=now):
                continue
            counts = defaultdict(int)
            for instance in instances:
                counts[instance.status] += 1
            for person in holders_of(informed, at=now):
                notify(
                    person,
                    "duty-summary",
                    {
                        "schedule": schedule,
                        "activity": schedule.activity,
                        "day": day,
                        "instances": instances,
                        "counts": dict(counts),
                    },
                    dedupe_key=f"{key}:{person.pk}",
                )
            sent += 1
    return sent


@authority.register("duty.check_in")
def _check_in_rule(user, *, action, obj: DutyInstance, at) -> authority.Decision:
    """D9 §2.1: the Responsible checks in — the person assigned, or anyone holding R now."""
    responsible = [r.key for r in raci(obj.schedule.activity).get("R", [])]
    held = authority.roles_of(user, at=at)
    row = f"D9 §2.1 {obj.schedule.activity.name}"
    if obj.assignee_id == user.pk or held & set(responsible):
        acting = sorted(held & set(responsible)) or [obj.responsible_role.key]
        return authority.Decision(
            True, f"Allowed: Responsible ({row}).", rows=(row,), acting_roles=tuple(acting)
        )
    return authority.refuse(
        user, at, responsible, f"check in for {obj.schedule.activity.name.lower()}", [row]
    )


@authority.register("duty.comment")
def _comment_rule(user, *, action, obj: DutyInstance, at) -> authority.Decision:
    """D9 §2.1: the Consulted roles (and the Accountable) may comment on an instance."""
    letters = raci(obj.schedule.activity)
    allowed = [r.key for r in letters.get("C", []) + letters.get("A", [])]
    held = authority.roles_of(user, at=at)
    row = f"D9 §2.1 {obj.schedule.activity.name}"
    if held & set(allowed):
        return authority.Decision(
            True,
            f"Allowed: Consulted ({row}).",
            rows=(row,),
            acting_roles=tuple(sorted(held & set(allowed))),
        )
    return authority.refuse(
        user, at, allowed, f"comment on {obj.schedule.activity.name.lower()}", [row]
    )


def check_in(
    *,
    instance: DutyInstance,
    actor,
    note: str,
    health: str = "",
    at: datetime.datetime | None = None,
) -> DutyCheckIn:
    """D9 §2.1: the Responsible checks in with a short note (the daily health review also with
    a status green / amber / red). After the deadline the instance counts as done late."""
    at = at or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write a short note of what you checked."})
    with transaction.atomic():
        instance = (
            DutyInstance.objects.select_for_update()
            .select_related("schedule__activity", "responsible_role")
            .get(pk=instance.pk)
        )
        if instance.is_done:
            raise ValidationError("This duty is already checked in.")
        if instance.due_at > at:
            raise ValidationError("This duty is not due yet.")
        decision = authority.require(actor, "duty.check_in", obj=instance, at=at)
        if instance.schedule.asks_health and health not in Health.values:
            raise ValidationError({"health": "Choose the status: green, amber or red."})
        if not instance.schedule.asks_health:
            health = ""
        role = Role.objects.get(key=decision.acting_roles[0])
        row = DutyCheckIn(duty=instance, person=actor, role=role, note=note, health=health, at=at)
        row._history_user = actor
        row.full_clean()
        row.save()
        late = at > instance.deadline_at
        instance.status = DutyInstance.Status.LATE if late else DutyInstance.Status.DONE
        instance.next_check_at = None
        instance._history_user = actor
        instance._change_reason = "Checked in late" if late else "Checked in"
        instance.save()
    return row


def comment(*, instance: DutyInstance, actor, text: str, at=None) -> DutyComment:
    """D9 §2.1 Consulted: a comment on an instance by a C (or A) role holder."""
    at = at or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your comment."})
    decision = authority.require(actor, "duty.comment", obj=instance, at=at)
    row = DutyComment(
        duty=instance,
        author=actor,
        role=Role.objects.get(key=decision.acting_roles[0]),
        text=text,
        at=at,
    )
    row._history_user = actor
    row.full_clean()
    row.save()
    return row


def duties_of(user, *, now: datetime.datetime, limit: int = 20):
    """My duties: open instances assigned to me, most urgent first, plus my recent ones."""
    return (
        DutyInstance.objects.filter(assignee=user, due_at__lte=now)
        .select_related("schedule__activity", "assignee", "check_in")
        .order_by("-due_at")[:limit]
    )
