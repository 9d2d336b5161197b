"""The two escalation tracks of an incident, frozen at opening and fired once by the sweep.

- Severity ladder (D9 §4.2): the policy's `EscalationStep` rows of the incident's severity are
  copied onto the incident with a due instant (ladder start + minute); a policy edit later
  changes nothing in flight. The person paged is whoever holds the role when the step fires.
- Response track (D9 §3.1): each tier has its response time to acknowledge; unacknowledged, the
  next tier is paged. The tiers' clocks run one after the other from opening (primary 15 min,
  then secondary 30, then owner 60), so unacknowledged the secondary is paged at 15, the
  Ingestion Owner at 45 and the SRE Lead at 105. Acknowledging stops the track.

Each step is one `IncidentStep` row, unique per (incident, key); firing it sets `fired_at` on the
row locked by this sweep and creates its one `IncidentEvent` (unique per step), in one
transaction. Concurrent sweeps skip each other's locked rows (PostgreSQL), and a person is paged
at most once per incident whatever the number of steps naming them (outbox dedupe key).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from governance import authority
from governance.core import memo
from governance.models import (
    CommunicationRule,
    EscalationStep,
    OnCallTier,
    Role,
    Severity,
    Urgency,
)
from governance.notifications.outbox import notify_many
from incidents import ack_links
from incidents.models import FollowUpTicket, Incident, IncidentEvent, IncidentStep, Responder
from incidents.workdays import next_working_day_start

PAGE_ACTIONS = {EscalationStep.Action.ACKS, EscalationStep.Action.JOINS}
# D9 §4.3 "P3: Resolve or ticket — No escalation unless client-facing": incidents of these
# severities stay with the On-Call (the tiers below) unless they are client-facing.
CONTAINED_SEVERITIES = {"P3"}
ON_CALL_ROLE_KEYS = {"on_call", "on_call_primary", "on_call_secondary"}


def held_at_on_call(incident: Incident, role: Role | None) -> bool:
    """D9 §4.3: does a step naming `role` stay unfired on `incident` (a P3 that is not
    client-facing never reaches anyone above the On-Call)? Read when the step is due, so an
    incident marked client-facing before then escalates as usual."""
    return (
        role is not None
        and incident.severity.key in CONTAINED_SEVERITIES
        and not incident.client_facing
        and role.key not in ON_CALL_ROLE_KEYS
    )


def page_key_prefix(incident: Incident) -> str:
    """The outbox event key of every page of `incident` starts so (one page per person)."""
    return f"incident:{incident.pk}:page:"


UPDATE_RULE = "incident_update"
# A sweep handles at most this many steps; the rest wait for the next run (every 30 s).
SWEEP_LIMIT = 5000
# Steps fired per transaction. A batch costs a fixed ~16 queries whatever its size (issue 16:
# at most 10 per 200 steps), and 500 steps fire in well under a second, so an acknowledgement
# waiting on a locked step (its `cancel_steps`) waits that long at most.
CHUNK = 500


def ladder_key(role: Role | None, action: str) -> str:
    """A ladder step's identity: its role and action (so a severity change never repeats it)."""
    return f"ladder:{role.key if role else 'none'}:{action}"


def update_cadence() -> datetime.timedelta:
    """D9 §7.1 "Incident update ... Every 30 min", read from the policy row (there is no
    number in the code: without the row, incidents cannot promise their next update)."""
    minutes = (
        CommunicationRule.objects.filter(key=UPDATE_RULE)
        .values_list("cadence_minutes", flat=True)
        .first()
    )
    if not minutes:
        raise ImproperlyConfigured(
            f'D9 §7.1 "Incident update" (communication rule "{UPDATE_RULE}") has no cadence; '
            "set it in the admin."
        )
    return datetime.timedelta(minutes=minutes)


@dataclass(frozen=True)
class PlannedStep:
    """A step an incident's tracks hold, as the policy rows plan it (not yet saved)."""

    kind: str
    key: str
    label: str
    at_minute: int
    role: Role | None
    action: str
    due_at: datetime.datetime
    if_unresolved: bool = False
    severity_key: str = ""

    @property
    def is_page(self) -> bool:
        return self.role is not None and self.action in PAGE_ACTIONS


def ladder_plan(
    steps: Iterable[EscalationStep], *, severity_key: str, start: datetime.datetime
) -> list[PlannedStep]:
    """D9 §4.2: the ladder of one severity (its `EscalationStep` rows), due from `start`.
    Pure: the live freeze and the what-if replay both plan with it."""
    return [
        PlannedStep(
            kind=IncidentStep.Kind.LADDER,
            key=ladder_key(step.role, step.action),
            label=step.cell_text(),
            severity_key=severity_key,
            at_minute=step.at_minute,
            role=step.role,
            action=step.action,
            if_unresolved=step.if_unresolved,
            due_at=start + datetime.timedelta(minutes=step.at_minute),
        )
        for step in steps
    ]


def response_plan(
    tiers: Iterable[OnCallTier], *, opened_at: datetime.datetime
) -> list[PlannedStep]:
    """D9 §3.1: tier i pages its escalation target when the tiers up to i have each used
    their response time without an acknowledgement (`tiers` in position order). Pure."""
    offset = 0
    planned = []
    for tier in tiers:
        offset += tier.response_minutes
        if tier.escalates_to is None:
            continue
        planned.append(
            PlannedStep(
                kind=IncidentStep.Kind.RESPONSE,
                key=f"response:{tier.key}",
                label=(
                    f"{tier.name} has not acknowledged within {tier.response_minutes} min: "
                    f"page {tier.escalates_to.word(tier.escalates_to_wording)}"
                ),
                at_minute=offset,
                role=tier.escalates_to,
                action=EscalationStep.Action.JOINS,
                due_at=opened_at + datetime.timedelta(minutes=offset),
            )
        )
    return planned


# What stops each track: acknowledging stops the §3.1 response track; resolving stops both
# tracks and the §7.1 update reminders (`incidents.services`); a step fires only while due
# before its track stops.
STOPPED_BY_ACK = (IncidentStep.Kind.RESPONSE,)
STOPPED_BY_RESOLVE = (
    IncidentStep.Kind.LADDER,
    IncidentStep.Kind.RESPONSE,
    IncidentStep.Kind.UPDATE,
)


def fires(step: PlannedStep, *, stopped_at: datetime.datetime | None) -> bool:
    """Whether a planned step fires: due before its track stopped (None: never stopped)."""
    return stopped_at is None or step.due_at < stopped_at


def next_update_slot(due_at: datetime.datetime, cadence: datetime.timedelta) -> datetime.datetime:
    """D9 §7.1: a missed update slot reminds once; the next slot is one cadence later."""
    return due_at + cadence


def update_reminders(
    *,
    opened_at: datetime.datetime,
    posted: Iterable[datetime.datetime],
    stopped_at: datetime.datetime,
    cadence: datetime.timedelta,
) -> list[datetime.datetime]:
    """D9 §7.1 "every 30 min": the instants the On-Call is reminded of a missed update, from
    opening until `stopped_at` (resolution, or the end of the window). An update posted
    reschedules the slot one cadence after it; a reminder moves it on by one cadence. Pure."""
    posts = sorted(posted)
    due = opened_at + cadence
    reminded = []
    index = 0
    while due < stopped_at:
        if index < len(posts) and posts[index] <= due:
            due = posts[index] + cadence
            index += 1
            continue
        reminded.append(due)
        due = next_update_slot(due, cadence)
    return reminded


def freeze_ladder(incident: Incident, *, severity: Severity, start: datetime.datetime) -> None:
    """Copy `severity`'s D9 §4.2 steps onto the incident, due from `start`.

    Steps already fired stay fired (not repeated); pending steps of the former ladder that the
    new one does not contain are cancelled; the new ladder's steps are (re)dated from `start`.
    """
    policy_steps = EscalationStep.objects.filter(severity=severity).select_related(
        "role", "severity"
    )
    existing = {step.key: step for step in incident.steps.filter(kind=IncidentStep.Kind.LADDER)}
    wanted = set()
    new_rows = []
    for planned in ladder_plan(policy_steps, severity_key=severity.key, start=start):
        wanted.add(planned.key)
        fields = {
            "label": planned.label,
            "severity_key": planned.severity_key,
            "at_minute": planned.at_minute,
            "role": planned.role,
            "action": planned.action,
            "if_unresolved": planned.if_unresolved,
            "due_at": planned.due_at,
        }
        step = existing.get(planned.key)
        if step is None:
            new_rows.append(
                IncidentStep(incident=incident, kind=planned.kind, key=planned.key, **fields)
            )
        elif step.fired_at is None:
            IncidentStep.objects.filter(pk=step.pk, fired_at__isnull=True).update(
                cancelled_at=None, **fields
            )
    IncidentStep.objects.bulk_create(new_rows)
    stale = [key for key, step in existing.items() if key not in wanted and step.fired_at is None]
    if stale:
        incident.steps.filter(key__in=stale, fired_at__isnull=True).update(cancelled_at=start)


def freeze_response_track(incident: Incident) -> None:
    """Copy the D9 §3.1 tiers onto the incident (`response_plan`)."""
    tiers = OnCallTier.objects.select_related("role", "escalates_to").order_by("position")
    IncidentStep.objects.bulk_create(
        IncidentStep(
            incident=incident,
            kind=planned.kind,
            key=planned.key,
            label=planned.label,
            at_minute=planned.at_minute,
            role=planned.role,
            action=planned.action,
            due_at=planned.due_at,
        )
        for planned in response_plan(tiers, opened_at=incident.opened_at)
    )


def schedule_update_reminder(incident: Incident, *, due_at: datetime.datetime) -> None:
    """D9 §7.1: remind the On-Call once if no update is posted by `due_at` (one slot)."""
    incident.steps.filter(
        kind=IncidentStep.Kind.UPDATE, fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())
    IncidentStep.objects.update_or_create(
        incident=incident,
        key=f"update:{due_at.isoformat()}",
        defaults={
            "kind": IncidentStep.Kind.UPDATE,
            "label": f"Update due at {timezone.localtime(due_at):%H:%M}",
            "due_at": due_at,
            "cancelled_at": None,
        },
    )


def schedule_review_reminder(incident: Incident, *, number: int, due_at: datetime.datetime):
    IncidentStep.objects.get_or_create(
        incident=incident,
        key=f"review:{number}",
        defaults={
            "kind": IncidentStep.Kind.REVIEW,
            "label": f"Post-incident review reminder {number}",
            "due_at": due_at,
        },
    )


def cancel_steps(incident: Incident, *, kinds, at: datetime.datetime) -> int:
    return incident.steps.filter(
        kind__in=kinds, fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=at)


def ticket_summary(incident: Incident) -> str:
    """The summary of the D9 §4.2 ladder ticket of `incident` (the field holds 300 characters)."""
    return f"Follow up unresolved {incident.severity.key} incident: {incident.title}"[:300]


def due_step_ids(*, now: datetime.datetime, limit: int = SWEEP_LIMIT) -> list[int]:
    """Pending steps due at `now`, oldest first: one query on the partial due index."""
    return list(
        IncidentStep.objects.filter(
            fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now
        )
        .order_by("due_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def escalate_due(*, now: datetime.datetime, limit: int = SWEEP_LIMIT) -> str:
    """The sweep: fire every due step once. Nothing due costs one query; each batch of CHUNK
    steps a fixed number, whatever its kinds of step (issue 16)."""
    ids = due_step_ids(now=now, limit=limit)
    if not ids:
        return "nothing due"
    fired = 0
    holders = HolderCache(now)
    # One memo for the run (as `governance.ops.sweeps` gives a scheduled one): the roles, the
    # assignments and the rotation weeks behind every role's holders are read once, not per role.
    with memo.memoised():
        for start in range(0, len(ids), CHUNK):
            fired += fire_steps(ids[start : start + CHUNK], now=now, holders=holders)
    return f"fired {fired} step(s)"


class HolderCache:
    """Who holds each role at the sweep's instant, looked up once per role per sweep."""

    def __init__(self, at: datetime.datetime):
        self.at = at
        self._by_role: dict[str, list] = {}

    def __call__(self, role_key: str) -> list:
        if role_key not in self._by_role:
            self._by_role[role_key] = list(authority.holders(role_key, at=self.at))
        return self._by_role[role_key]


def fire_steps(step_ids: list[int], *, now: datetime.datetime, holders=None) -> int:
    """Fire the given steps that are still pending, in one transaction; returns how many."""
    holders = holders or HolderCache(now)
    with transaction.atomic():
        steps = list(
            IncidentStep.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "incident__severity",
                "incident__workspace",
                "incident__review__accountable",
                "incident__review__responsible",
                "role",
            )
            .filter(pk__in=step_ids, fired_at__isnull=True, cancelled_at__isnull=True)
            .order_by("due_at", "id")
        )
        if not steps:
            return 0
        firing = _Firing(now=now, holders=holders)
        firing.fire(steps)
        firing.save()
    return len(steps)


class _Firing:
    """One batch of steps being fired: its follow-up tickets are opened first (their ids are in
    the events), then the rows and the mails (one `notify_many`) are written together at the
    end, one statement per table whatever the number of steps."""

    def __init__(self, *, now: datetime.datetime, holders: HolderCache):
        self.now = now
        self.holders = holders
        self.events: list[IncidentEvent] = []
        self.responders: list[Responder] = []
        self.fired: list[int] = []
        self.new_steps: list[IncidentStep] = []
        # Incident id -> its D9 §4.2 ladder ticket, for the batch's ticket steps (`open_tickets`).
        self.tickets: dict[int, FollowUpTicket] = {}
        # (recipient, template, context, dedupe key), as for `notify`.
        self.mails: list[tuple] = []
        self._cadence: datetime.timedelta | None = None

    def fire(self, steps: list[IncidentStep]) -> None:
        """Fire each step by its kind, in order; the batch's follow-up tickets are opened first
        (one read, one insert of tickets and one of their history), not one by one per step."""
        handlers = [(step, self.handler(step)) for step in steps]
        self.open_tickets([step for step, handler in handlers if handler == self.ticket])
        for step, handler in handlers:
            self.fired.append(step.pk)
            handler(step)

    def handler(self, step: IncidentStep):
        """What firing `step` does, read when it is due (D9 §3.1, §4.2, §4.3, §7.1)."""
        incident = step.incident
        if step.kind == IncidentStep.Kind.REVIEW:
            return self.remind_review
        if not incident.is_open:
            return self.already_resolved
        if step.kind == IncidentStep.Kind.UPDATE:
            return self.remind_update
        if step.role_id is None:
            return self.ticket
        if held_at_on_call(incident, step.role):
            return self.hold_at_on_call
        return self.escalate

    def already_resolved(self, step: IncidentStep) -> None:
        # Resolving cancels these; a step locked by a sweep just before records why.
        self.event(step, IncidentEvent.Kind.STEP, f"{step.label}: incident already resolved.")

    def hold_at_on_call(self, step: IncidentStep) -> None:
        self.event(
            step,
            IncidentEvent.Kind.STEP,
            f"{step.label}: {step.role} not paged — D9 §4.3 {step.incident.severity.key}: "
            "no escalation unless client-facing.",
        )

    def notify(
        self, recipient, template: str, context: dict, dedupe_key: str, *, urgency=Urgency.INFO
    ) -> None:
        self.mails.append((recipient, template, context, dedupe_key, urgency))

    def cadence(self) -> datetime.timedelta:
        if self._cadence is None:
            self._cadence = update_cadence()
        return self._cadence

    def event(self, step, kind, text) -> None:
        self.events.append(
            IncidentEvent(incident=step.incident, at=self.now, kind=kind, text=text, step=step)
        )

    def escalate(self, step: IncidentStep) -> None:
        incident = step.incident
        people = self.holders(step.role.key)
        is_page = step.action in PAGE_ACTIONS
        track = "D9 §3.1" if step.kind == IncidentStep.Kind.RESPONSE else "D9 §4.2"
        if not people:
            self.notify(
                settings.INCIDENT_DISTRIBUTION_LIST,
                "incident-escalation",
                {"incident": incident, "step": step, "is_page": is_page, "nobody": True},
                f"incident:{incident.pk}:{step.key}:nobody",
            )
            self.event(
                step,
                IncidentEvent.Kind.STEP,
                f"{step.label} ({track}): nobody holds {step.role}; the list was told.",
            )
            return
        for person in people:
            self.responders.append(
                Responder(incident=incident, user=person, role=step.role, paged_at=self.now)
            )
            # A person is paged once per incident, however many steps name them.
            context = {"incident": incident, "step": step, "is_page": is_page}
            if is_page:
                context["acknowledge_url"] = ack_links.link_for(incident=incident, user=person)
                self.notify(
                    person,
                    "incident-escalation",
                    context,
                    f"{page_key_prefix(incident)}{person.pk}",
                    urgency=Urgency.PAGE,
                )
            else:
                key = f"incident:{incident.pk}:{step.key}:{person.pk}"
                self.notify(person, "incident-escalation", context, key)
        names = ", ".join(p.get_full_name() or p.username for p in people)
        verb = "paged" if is_page else "notified"
        kind = IncidentEvent.Kind.PAGED if is_page else IncidentEvent.Kind.NOTIFIED
        self.event(step, kind, f"{step.label} ({track}): {verb} {names} ({step.role}).")

    def open_tickets(self, steps: list[IncidentStep]) -> None:
        """D9 §4.2 P3 "Ticket if unresolved": the one ladder ticket of each incident of `steps`
        (kept if it exists), assigned to the On-Call Primary. The steps are locked by this
        sweep and a ladder ticket is opened only here, so no other writer races the insert (one
        added by hand meanwhile fails this batch; the next run keeps it). The history rows are
        written with the tickets (simple_history's bulk create), as a save would write them."""
        if not steps:
            return
        incidents = {step.incident_id: step.incident for step in steps}
        existing = FollowUpTicket.objects.filter(incident_id__in=list(incidents), review=None)
        self.tickets = {ticket.incident_id: ticket for ticket in existing}
        primary = next(iter(self.holders("on_call_primary")), None)
        new = [
            FollowUpTicket(
                incident=incident,
                review=None,
                created_at=self.now,
                assignee=primary,
                summary=ticket_summary(incident),
            )
            for pk, incident in incidents.items()
            if pk not in self.tickets
        ]
        if new:
            created = bulk_create_with_history(
                new, FollowUpTicket, default_change_reason="D9 §4.2 ticket if unresolved"
            )
            self.tickets.update((ticket.incident_id, ticket) for ticket in created)

    def ticket(self, step: IncidentStep) -> None:
        incident = step.incident
        ticket = self.tickets[incident.pk]
        primary = next(iter(self.holders("on_call_primary")), None)
        if primary is not None:
            self.notify(
                primary,
                "incident-escalation",
                {"incident": incident, "step": step, "is_page": False, "ticket": ticket},
                f"incident:{incident.pk}:{step.key}:{primary.pk}",
            )
        self.event(
            step,
            IncidentEvent.Kind.TICKET,
            f"{step.label} (D9 §4.2): follow-up ticket #{ticket.pk} created"
            + (f" for {primary.get_full_name() or primary.username}." if primary else "."),
        )

    def remind_update(self, step: IncidentStep) -> None:
        """D9 §7.1: one reminder for the latest slot missed. After downtime (or a sweep that
        was off) the earlier missed slots are recorded on the timeline in the same event, never
        mailed one by one; the next slot is the first one still ahead."""
        incident = step.incident
        people = self.holders("on_call")
        cadence = self.cadence()
        missed = int((self.now - step.due_at) / cadence)
        slot = step.due_at + cadence * missed
        for person in people:
            self.notify(
                person,
                "incident-reminder",
                {"incident": incident, "step": step, "slot": slot, "what": "update"},
                f"incident:{incident.pk}:update:{slot.isoformat()}:{person.pk}",
            )
        next_slot = next_update_slot(slot, cadence)
        self.new_steps.append(
            IncidentStep(
                incident=incident,
                kind=IncidentStep.Kind.UPDATE,
                key=f"update:{next_slot.isoformat()}",
                label=f"Update due at {timezone.localtime(next_slot):%H:%M}",
                due_at=next_slot,
            )
        )
        names = ", ".join(p.get_full_name() or p.username for p in people) or "nobody on call"
        earlier = (
            f" ({missed} earlier slot(s) since {timezone.localtime(step.due_at):%Y-%m-%d %H:%M} "
            "missed while reminders were not running)"
            if missed
            else ""
        )
        self.event(
            step,
            IncidentEvent.Kind.UPDATE_OVERDUE,
            f"No update since the slot of {timezone.localtime(slot):%H:%M}{earlier} "
            f"(D9 §7.1, every {int(cadence.total_seconds() // 60)} min): reminded {names}.",
        )

    def remind_review(self, step: IncidentStep) -> None:
        incident = step.incident
        review = getattr(incident, "review", None)
        if review is None or review.status == review.Status.DONE:
            self.event(step, IncidentEvent.Kind.REVIEW, "Review reminder skipped: review done.")
            return
        people = {p for p in (review.accountable, review.responsible) if p is not None}
        for person in people:
            self.notify(
                person,
                "incident-reminder",
                {"incident": incident, "step": step, "what": "review", "review": review},
                f"incident:{incident.pk}:{step.key}:{person.pk}",
            )
        number = int(step.key.split(":")[1]) + 1
        self.new_steps.append(
            IncidentStep(
                incident=incident,
                kind=IncidentStep.Kind.REVIEW,
                key=f"review:{number}",
                label=f"Post-incident review reminder {number}",
                # After downtime: the next working day after now, not after the missed one.
                due_at=next_working_day_start(max(step.due_at, self.now)),
            )
        )
        names = ", ".join(sorted(p.get_full_name() or p.username for p in people)) or "nobody"
        self.event(
            step,
            IncidentEvent.Kind.REVIEW,
            f"Post-incident review due {review.due_on:%d %b %Y} not filed: reminded {names}.",
        )

    def save(self) -> None:
        IncidentStep.objects.filter(pk__in=self.fired).update(fired_at=self.now)
        Responder.objects.bulk_create(self.responders, ignore_conflicts=True)
        IncidentStep.objects.bulk_create(self.new_steps, ignore_conflicts=True)
        notify_many(self.mails)
        # Last: the events enter the tamper-evident record under one lock of its head (lock,
        # one insert of the entries, move the head), which every chained write of the portal
        # waits for until this transaction commits; taken last, it is held for the shortest time.
        IncidentEvent.objects.bulk_create(self.events)
