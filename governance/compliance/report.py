"""The compliance report: does the team live by D9 over a period? (Selectors; one mail service.)

Every figure is computed from the records of the period in a fixed number of queries (one per
kind of record, whatever the period's size): the database decides each record's state (met, not
met, pending) and returns (id, state) pairs, never model rows, so a month of 100 000 incidents a
year reads in well under a second (issue 16 point 5). Each figure keeps the ids of the records
behind it, so the page can link each figure to them. Incidents belong to the period they were
opened in.

Honest at any instant (issue 17 point 2): a record whose window is still open (an incident not
yet acknowledged within its response time, an update slot still running, a step not yet past its
tolerance, a review or approval not yet due, a handoff hour not over, a duty still open) is
"pending" — neither met nor not met. Hours on call count up to now, never future weeks.

Rules read from the policy rows: the tier response time (D9 §3.1 Primary, 15 min), the update
cadence (D9 §7.1 "Incident update", every 30 min). Night is 22:00–07:00 in the portal's zone.
A handoff checklist is complete on time when every item was ticked by one hour after the handoff
instant — the rule after which `rotations.reminders` chases it (D9 §3.3).
"""

import datetime
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from governance import authority
from governance.compliance.incident_scope import incident_requests
from governance.core.spreadsheet import SpreadsheetSafeWriter
from governance.duties.services import local_zone
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequirement,
    CommunicationRule,
    DutyInstance,
    HandoffChecklistItem,
    KillSwitchActivation,
    Notification,
    OnCallTier,
    RoleAssignment,
)
from governance.notifications.outbox import notify
from governance.record import pack as record_pack
from incidents.models import (
    Incident,
    IncidentEvent,
    IncidentStep,
    IncidentUpdate,
    PostIncidentReview,
    Responder,
)
from rotations.models import Handoff, Override, RotationWeek
from rotations.reminders import HOUR
from rotations.selectors import on_call_at

# A sweep runs every 15-60 s: a step fired within this of its due time fired on time.
STEP_TOLERANCE = datetime.timedelta(minutes=2)
NIGHT_STARTS, NIGHT_ENDS = 22, 7
MET, NOT_MET, PENDING = "met", "not met", "pending"


@dataclass
class Ratio:
    """`good` out of `total` decided records, with the ids of the records that were not good;
    records still inside their window are `pending_ids`, in neither."""

    good: int = 0
    total: int = 0
    bad_ids: list = field(default_factory=list)
    ids: list = field(default_factory=list)
    pending_ids: list = field(default_factory=list)

    def add(self, state: str, pk) -> None:
        if state == PENDING:
            self.pending_ids.append(pk)
            return
        self.total += 1
        self.ids.append(pk)
        if state == MET:
            self.good += 1
        else:
            self.bad_ids.append(pk)

    @classmethod
    def of(cls, rows) -> "Ratio":
        """From (pk, state) pairs; a state of None leaves the record out."""
        ratio = cls()
        for pk, state in rows:
            if state is not None:
                ratio.add(state, pk)
        return ratio

    @property
    def pending(self) -> int:
        return len(self.pending_ids)

    @property
    def percent(self) -> int | None:
        return round(100 * self.good / self.total) if self.total else None


def _state(*whens: When, default: str = MET) -> Case:
    return Case(*whens, default=Value(default), output_field=CharField())


class IncidentRow(NamedTuple):
    """What the report shows of an incident (a tuple from the database, not a model row)."""

    pk: int
    title: str
    opened_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    resolved_at: datetime.datetime | None


@dataclass
class SeverityFigures:
    severity: str
    incidents: list = field(default_factory=list)
    mtta_minutes: float | None = None
    mttr_minutes: float | None = None


@dataclass
class PersonFigures:
    user: object
    hours_on_call: float = 0.0
    pages: int = 0
    night_pages: int = 0
    page_incident_ids: list = field(default_factory=list)
    night_incident_ids: list = field(default_factory=list)


@dataclass
class Report:
    start: datetime.datetime
    end: datetime.datetime
    severities: list
    steps_on_time: Ratio
    acks_in_time: Ratio
    updates_in_slot: Ratio
    p1_reviews_on_time: Ratio
    approvals_in_time: Ratio
    long_pauses_approved: Ratio
    handoffs_on_time: Ratio
    duties_done: Ratio
    duty_counts: dict
    people: list
    response_minutes: int
    cadence_minutes: int


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[first instant, first instant of the next month) in the portal's zone."""
    zone = local_zone()
    start = datetime.datetime(year, month, 1, tzinfo=zone)
    nxt = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, nxt


def _minutes(delta: datetime.timedelta) -> float:
    return delta.total_seconds() / 60


def is_night(at: datetime.datetime) -> bool:
    hour = at.astimezone(local_zone()).hour
    return hour >= NIGHT_STARTS or hour < NIGHT_ENDS


def build_report(
    *, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime | None = None
) -> Report:
    """The compliance figures of [start, end) as they stand at `now` (default: now)
    (D9 §3.1, §4.2, §5.1, §2.2, §7.1, §2.1)."""

    now = now or timezone.now()
    horizon = min(end, now)
    primary_tier = OnCallTier.objects.filter(key="primary").first()
    response = primary_tier.response_minutes if primary_tier else 15
    rule = CommunicationRule.objects.filter(cadence_minutes__isnull=False).first()
    cadence = rule.cadence_minutes if rule else 30
    window = datetime.timedelta(minutes=response)

    incidents = Incident.objects.filter(opened_at__gte=start, opened_at__lt=end)
    steps = IncidentStep.objects.filter(
        incident=OuterRef("pk"),
        kind__in=[IncidentStep.Kind.LADDER, IncidentStep.Kind.RESPONSE],
        cancelled_at__isnull=True,
        due_at__lt=horizon,
    )
    late_step = steps.filter(
        Q(fired_at__gt=F("due_at") + STEP_TOLERANCE)
        | Q(fired_at__isnull=True, due_at__lte=now - STEP_TOLERANCE)
    )
    waiting_step = steps.filter(fired_at__isnull=True, due_at__gt=now - STEP_TOLERANCE)
    review = PostIncidentReview.objects.filter(incident=OuterRef("pk"))
    today = timezone.localdate(now)
    filed_day = TruncDate("filed_at", tzinfo=local_zone())
    review_on_time = review.annotate(day=filed_day).filter(day__lte=F("due_on"))
    rows = list(
        incidents.annotate(
            ack=_state(
                When(acknowledged_at__lte=F("opened_at") + window, then=Value(MET)),
                When(acknowledged_at__isnull=True, opened_at__gt=now - window, then=Value(PENDING)),
                default=NOT_MET,
            ),
            step=_state(
                When(Exists(late_step), then=Value(NOT_MET)),
                When(Exists(waiting_step), then=Value(PENDING)),
            ),
            review_state=_state(
                When(~Q(severity__key="P1") | ~Exists(review), then=None),
                When(Exists(review_on_time), then=Value(MET)),
                When(Exists(review.filter(filed_at__isnull=False)), then=Value(NOT_MET)),
                When(Exists(review.filter(due_on__lt=today)), then=Value(NOT_MET)),
                default=PENDING,
            ),
        )
        .order_by("opened_at", "id")
        .values_list(
            "pk",
            "title",
            "opened_at",
            "acknowledged_at",
            "resolved_at",
            "severity__key",
            "ack",
            "step",
            "review_state",
        )
    )
    by_severity: dict[str, SeverityFigures] = {}
    for row in rows:
        figures = by_severity.setdefault(row[5], SeverityFigures(row[5]))
        figures.incidents.append(IncidentRow(*row[:5]))
    delay = {
        "mtta": ExpressionWrapper(F("acknowledged_at") - F("opened_at"), DurationField()),
        "mttr": ExpressionWrapper(F("resolved_at") - F("opened_at"), DurationField()),
    }
    for key, mtta, mttr in (
        incidents.values("severity__key")
        .annotate(mtta=Avg(delay["mtta"]), mttr=Avg(delay["mttr"]))
        .values_list("severity__key", "mtta", "mttr")
        .order_by()
    ):
        by_severity[key].mtta_minutes = _mean_minutes(mtta)
        by_severity[key].mttr_minutes = _mean_minutes(mttr)

    slots = _update_slots(rows, incidents=incidents, cadence=cadence, now=now)
    approvals = _approvals(start=start, end=end, now=now)
    pauses = _long_pauses(start=start, end=end)
    handoffs = _handoffs(start=start, end=end, now=now)
    duties, duty_counts = _duties(start=start, end=end)
    people = _people(start=start, end=end, now=now, incidents=incidents)
    return Report(
        start=start,
        end=end,
        severities=[by_severity[key] for key in sorted(by_severity)],
        steps_on_time=Ratio.of((row[0], row[7]) for row in rows),
        acks_in_time=Ratio.of((row[0], row[6]) for row in rows),
        updates_in_slot=slots,
        p1_reviews_on_time=Ratio.of((row[0], row[8]) for row in rows),
        approvals_in_time=approvals,
        long_pauses_approved=pauses,
        handoffs_on_time=handoffs,
        duties_done=duties,
        duty_counts=duty_counts,
        people=people,
        response_minutes=response,
        cadence_minutes=cadence,
    )


def _mean_minutes(value) -> float | None:
    if value is None:
        return None
    if not isinstance(value, datetime.timedelta):  # a backend answering in microseconds
        value = datetime.timedelta(microseconds=value)
    return round(_minutes(value), 1)


def _instants(name: str):
    """A datetime column to read by the ten thousand. Django's PostgreSQL timestamp loader
    parses in Python, most of the report's time at 100 000 incidents a year; epoch seconds
    load as floats in C, and `_instant` makes them datetimes again."""
    if connection.vendor != "postgresql":
        return F(name)
    return Func(
        F(name), template="EXTRACT(EPOCH FROM %(expressions)s)::float8", output_field=FloatField()
    )


def _instant(value) -> datetime.datetime:
    if isinstance(value, float):
        return datetime.datetime.fromtimestamp(value, datetime.UTC)
    return value


def _update_slots(rows, *, incidents, cadence: int, now: datetime.datetime) -> Ratio:
    """D9 §7.1 "every 30 min": each gap from opening to the first update, between updates, and
    from the last update to resolution, within the cadence. The slot of an unresolved incident
    still running is pending until it is overdue. Walks (incident, posted_at) pairs only."""
    posted = defaultdict(list)
    for incident_id, at in (
        IncidentUpdate.objects.filter(incident__in=incidents)
        .order_by()
        .values_list("incident_id", _instants("posted_at"))
    ):
        posted[incident_id].append(_instant(at))
    slots = Ratio()
    for pk, _title, opened, _acknowledged, resolved, *_ in rows:
        for state in update_slot_states(opened, posted[pk], resolved, cadence=cadence, now=now):
            slots.add(state, pk)
    return slots


def _approvals(*, start, end, now) -> Ratio:
    """D9 §5.1 deadlines ("Owner within 15 min"): each required role with a deadline in the
    period, decided (approved or vetoed) by then. A role not yet decided whose deadline is still
    ahead is pending."""
    decisions = ApprovalDecision.objects.filter(
        request_id=OuterRef("request_id"),
        role_id=OuterRef("role_id"),
        verdict__in=[ApprovalDecision.Verdict.APPROVE, ApprovalDecision.Verdict.VETO],
    )
    rows = (
        ApprovalRequirement.objects.filter(due_at__gte=start, due_at__lt=end)
        .exclude(request__status=ApprovalRequest.Status.CANCELLED)
        .annotate(
            state=_state(
                When(Exists(decisions.filter(decided_at__lte=OuterRef("due_at"))), then=Value(MET)),
                When(Q(due_at__gte=now) & ~Exists(decisions), then=Value(PENDING)),
                default=NOT_MET,
            )
        )
        .order_by("due_at", "id")
        .values_list("request_id", "state")
    )
    return Ratio.of(rows)


def acknowledgement_state(opened_at, acknowledged_at, *, response: int, now) -> str:
    """D9 §3.1 Primary "Response Time", one incident: acknowledged within `response` minutes
    of opening; unacknowledged and still inside the window is pending. The per-record form of
    the report's SQL `ack` state, for the policy what-if replay."""
    window = datetime.timedelta(minutes=response)
    if acknowledged_at is not None and acknowledged_at <= opened_at + window:
        return MET
    if acknowledged_at is None and opened_at > now - window:
        return PENDING
    return NOT_MET


def update_slot_states(opened_at, posted, resolved_at, *, cadence: int, now) -> list[str]:
    """D9 §7.1 "every N min", one incident: each gap from opening to the first update, between
    updates, and from the last update to resolution, within the cadence; the slot of an
    incident still running is pending until it is overdue. The report and the replay both call
    it."""
    slot = datetime.timedelta(minutes=cadence)
    marks = sorted([opened_at, *posted])
    states = [
        MET if following - previous <= slot else NOT_MET
        for previous, following in zip(marks, marks[1:], strict=False)
    ]
    last = marks[-1]
    if resolved_at is None:
        states.append(PENDING if now - last <= slot else NOT_MET)
    elif resolved_at > last:
        states.append(MET if resolved_at - last <= slot else NOT_MET)
    return states


def deadline_state(due_at, decided_at, *, now) -> str:
    """D9 §5.1 deadline, one requirement: decided (approved or vetoed) by `due_at`; undecided
    with the deadline still ahead is pending. The per-record form of `_approvals`' SQL state."""
    if decided_at is not None and decided_at <= due_at:
        return MET
    if decided_at is None and due_at >= now:
        return PENDING
    return NOT_MET


def _long_pauses(*, start, end) -> Ratio:
    """D9 §2.2 Pause (> 1 hour), A = Owner: each pause that passed one hour in the period, and
    whether its "longer than one hour" request was approved by the Ingestion Owner — or by
    whoever it went to in their place when the Owner paused it themselves (the backup, or the
    next authority of §4.2; issue 12 point 2). The activation's own approval does not count:
    it approved a pause, not its length."""

    pauses = list(
        KillSwitchActivation.objects.filter(
            long_pause_at__gte=start, long_pause_at__lt=end
        ).order_by("long_pause_at", "id")
    )
    approved = set(
        ApprovalRequest.objects.filter(
            pk__in=[p.long_pause_approval_id for p in pauses if p.long_pause_approval_id],
            status=ApprovalRequest.Status.APPROVED,
            decisions__verdict=ApprovalDecision.Verdict.APPROVE,
        ).values_list("pk", flat=True)
    )
    ratio = Ratio()
    for pause in pauses:
        ratio.add(MET if pause.long_pause_approval_id in approved else NOT_MET, pause.pk)
    return ratio


def _handoffs(*, start, end, now) -> Ratio:
    """D9 §3.3: handoffs of the period whose whole checklist was ticked within one hour after
    the handoff instant (`rotations.reminders.HOUR`, after which the reminder chases it).
    A handoff whose hour is still running and not yet complete is pending."""

    items = HandoffChecklistItem.objects.count()
    rows = (
        Handoff.objects.filter(at__gte=start, at__lt=end, at__lte=now)
        .annotate(ticked=Count("checks", filter=Q(checks__checked_at__lte=F("at") + HOUR)))
        .annotate(
            state=_state(
                When(ticked__gte=items, then=Value(MET)),
                When(at__gt=now - HOUR, then=Value(PENDING)),
                default=NOT_MET,
            )
        )
        .order_by("at", "id")
        .values_list("pk", "state")
    )
    return Ratio.of(rows)


def _duties(*, start, end) -> tuple[Ratio, dict]:
    """D9 §2.1: duty instances of the period done on time; those still open are pending."""
    state = _state(
        When(status=DutyInstance.Status.DONE, then=Value(MET)),
        When(status=DutyInstance.Status.OPEN, then=Value(PENDING)),
        default=NOT_MET,
    )
    instances = DutyInstance.objects.filter(due_at__gte=start, due_at__lt=end)
    ratio = Ratio.of(
        instances.annotate(state=state).order_by("due_at", "id").values_list("pk", "state")
    )
    counts = dict(instances.values_list("status").annotate(n=Count("id")).order_by())
    return ratio, counts


def _people(*, start, end, now, incidents) -> list[PersonFigures]:
    """Per person: hours on the rotation's Primary/Secondary tiers (weeks and overrides) up to
    now, never future weeks; pages received in the period's incidents, and those at night."""

    people: dict[int, PersonFigures] = {}

    def person(user) -> PersonFigures:
        return people.setdefault(user.pk, PersonFigures(user))

    until = min(end, now)
    weeks = RotationWeek.objects.filter(
        rotation__is_policy_rotation=True, starts_at__lt=until, ends_at__gt=start
    ).select_related("primary", "secondary")
    overrides = list(
        Override.objects.filter(
            rotation__is_policy_rotation=True,
            cancelled_at__isnull=True,
            starts_at__lt=until,
            ends_at__gt=start,
        ).select_related("user", "replaces")
    )

    def hours(a, b) -> float:
        lo, hi = max(a, start), min(b, end, now)
        return max((hi - lo).total_seconds() / 3600, 0.0)

    for week in weeks:
        for user in (week.primary, week.secondary):
            if user is not None:
                person(user).hours_on_call += hours(week.starts_at, week.ends_at)
    for override in overrides:
        covered = hours(override.starts_at, override.ends_at)
        person(override.user).hours_on_call += covered
        if override.replaces_id:
            person(override.replaces).hours_on_call -= covered
    # (user, incident, paged at) triples and each person once: a year's pages are tens of
    # thousands of rows, and a model instance with its user per row cost most of the report.
    pages = list(
        Responder.objects.filter(incident__in=incidents)
        .order_by()
        .values_list("user_id", "incident_id", "paged_at")
    )
    users = get_user_model().objects.in_bulk({user_id for user_id, _, _ in pages})
    for user_id, incident_id, paged_at in pages:
        figures = person(users[user_id])
        figures.pages += 1
        figures.page_incident_ids.append(incident_id)
        if is_night(paged_at):
            figures.night_pages += 1
            figures.night_incident_ids.append(incident_id)
    for figures in people.values():
        figures.hours_on_call = round(figures.hours_on_call, 1)
    return sorted(people.values(), key=lambda p: p.user.username)


def report_rows(report: Report) -> list[list]:
    """The report as CSV rows: figure, value, out of, record ids."""
    rows = [["figure", "value", "out of", "records"]]
    for figures in report.severities:
        rows.append(
            [f"MTTA {figures.severity} (min)", figures.mtta_minutes, len(figures.incidents), ""]
        )
        rows.append(
            [f"MTTR {figures.severity} (min)", figures.mttr_minutes, len(figures.incidents), ""]
        )
    for label, ratio in [
        ("Incidents with every ladder/response step on time", report.steps_on_time),
        (f"Acknowledged within {report.response_minutes} min", report.acks_in_time),
        (f"Update slots ({report.cadence_minutes} min) met", report.updates_in_slot),
        ("P1 post-incident reviews on time", report.p1_reviews_on_time),
        ("Approvals within deadline", report.approvals_in_time),
        ("Pauses over 1 h with Owner approval", report.long_pauses_approved),
        ("Handoff checklists completed on time", report.handoffs_on_time),
        ("Duty instances done on time", report.duties_done),
    ]:
        rows.append([label, ratio.good, ratio.total, " ".join(map(str, ratio.bad_ids))])
    for p in report.people:
        rows.append([f"{p.user.username}: hours on call", p.hours_on_call, "", ""])
        rows.append([f"{p.user.username}: pages", p.pages, "", ""])
        rows.append([f"{p.user.username}: night pages", p.night_pages, "", ""])
    return rows


def send_monthly_report(*, now: datetime.datetime) -> int:
    """Once a month, mail last month's report to the Ingestion Owner (and backup), once."""

    local = now.astimezone(local_zone())
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    start, end = month_bounds(year, month)
    owners = authority.holders(authority.OWNER, at=now)
    key = f"compliance-monthly:{year}-{month:02d}"
    if not owners or Notification.objects.filter(dedupe_key__startswith=key).exists():
        return 0
    report = build_report(start=start, end=end)
    for owner in owners:
        notify(
            owner,
            "compliance-monthly",
            {"report": report, "year": year, "month": month},
            dedupe_key=f"{key}:{owner.pk}",
        )
    return 1


def roles_at(at: datetime.datetime) -> list[tuple[str, str]]:
    """(role, person) pairs in force at `at`: assigned roles and the on-call tiers (evidence)."""

    day = timezone.localdate(at)
    pairs = []
    for assignment in (
        RoleAssignment.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("role", "primary")
        .order_by("role__position")
    ):
        pairs.append((assignment.role.name, assignment.primary.username))
    on_call = on_call_at(at)
    for tier in ("primary", "secondary"):
        user = on_call.holder(tier)
        pairs.append((f"On-Call {tier.capitalize()}", user.username if user else "—"))
    return pairs


def _csv(rows) -> str:
    buffer = io.StringIO()
    SpreadsheetSafeWriter(buffer).writerows(rows)
    return buffer.getvalue()


def _zip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        for name, text in files.items():
            pack.writestr(name, text)
    return buffer.getvalue()


def _iso(at) -> str:
    return at.isoformat() if at else ""


def _name(user) -> str:
    return user.username if user else ""


def incident_evidence(incident) -> bytes:
    """The evidence pack of one incident: a zip of README.md and CSVs — the timeline, who held
    which role at each moment of it, every decision with its policy version, the mails sent —
    and the tamper-evident record of its events and decisions with the script verifying it
    (issue 20)."""
    events = list(incident.events.select_related("actor").order_by("at", "id"))
    timeline = [["at", "kind", "actor", "text"]] + [
        [e.at.isoformat(), e.kind, e.actor.username if e.actor else "", e.text] for e in events
    ]
    roles = [["at", "role", "person"]]
    for moment in dict.fromkeys(e.at for e in events):
        roles += [[moment.isoformat(), role, person] for role, person in roles_at(moment)]
    decisions = [["decided_at", "request", "role", "person", "verdict", "statement", "policy"]]
    requests = incident_requests(incident)
    chained_decisions = list(
        ApprovalDecision.objects.filter(request__in=requests).select_related(
            "request", "role", "person", "policy_version"
        )
    )
    for d in chained_decisions:
        decisions.append(
            [
                d.decided_at.isoformat(),
                d.request.title,
                d.role.name,
                d.person.username,
                d.verdict,
                d.statement,
                str(d.policy_version or ""),
            ]
        )
    mails = [["created_at", "to", "template", "subject", "status"]] + [
        [n.created_at.isoformat(), n.address, n.template, n.subject, n.status]
        for n in Notification.objects.filter(
            dedupe_key__startswith=f"incident:{incident.pk}:"
        ).order_by("created_at")
    ]
    acknowledged = incident.acknowledged_at.isoformat() if incident.acknowledged_at else "—"
    readme = (
        f"# Evidence pack: incident #{incident.pk} — {incident.title}\n\n"
        f"- Severity: {incident.severity.key}\n- Opened: {incident.opened_at.isoformat()}\n"
        f"- Acknowledged: {acknowledged}\n"
        f"- Resolved: {incident.resolved_at.isoformat() if incident.resolved_at else '—'}\n\n"
        "Files: timeline.csv (every event), roles.csv (who held which role at each event), "
        "decisions.csv (approval decisions with the policy version), mails.csv (mail sent).\n\n"
        + record_pack.README
    )
    return _zip(
        record_pack.sealed(
            {
                "README.md": readme,
                "timeline.csv": _csv(timeline),
                "roles.csv": _csv(roles),
                "decisions.csv": _csv(decisions),
                "mails.csv": _csv(mails),
                **record_pack.segment_files(records=[*events, *chained_decisions]),
            }
        )
    )


def month_evidence(*, year: int, month: int) -> bytes:
    """The evidence pack of one month: a zip of README.md (the figures) and CSVs — the timeline
    of the month's incidents, who held which role when (role assignments, rotation weeks and
    overrides in force during the month), every approval decision of the month with the policy
    version it was made under, and the mails sent; the tamper-evident record of those events and
    decisions with the script verifying it (issue 20). A fixed number of queries."""

    start, end = month_bounds(year, month)
    report = build_report(start=start, end=end)
    label = f"{year}-{month:02d}"

    incidents = [["id", "severity", "title", "opened_at", "acknowledged_at", "resolved_at"]]
    for figures in report.severities:
        incidents += [
            [i.pk, figures.severity, i.title]
            + [_iso(i.opened_at), _iso(i.acknowledged_at), _iso(i.resolved_at)]
            for i in figures.incidents
        ]
    incidents[1:] = sorted(incidents[1:], key=lambda row: (row[3], row[0]))
    events = list(
        IncidentEvent.objects.filter(incident__opened_at__gte=start, incident__opened_at__lt=end)
        .select_related("actor")
        .order_by("at", "id")
    )
    timeline = [["at", "incident", "kind", "actor", "text"]] + [
        [_iso(e.at), e.incident_id, e.kind, _name(e.actor), e.text] for e in events
    ]

    first_day, last_day = start.date(), (end - datetime.timedelta(days=1)).date()
    roles = [["kind", "role", "person", "backup", "from", "to", "rotation"]]
    for a in (
        RoleAssignment.objects.filter(valid_from__lte=last_day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first_day))
        .select_related("role", "primary", "backup")
        .order_by("role__position", "valid_from", "id")
    ):
        roles.append(
            [
                "assignment",
                a.role.name,
                _name(a.primary),
                _name(a.backup),
                a.valid_from.isoformat(),
                a.valid_to.isoformat() if a.valid_to else "",
                "",
            ]
        )
    for week in (
        RotationWeek.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("rotation", "primary", "secondary")
        .order_by("rotation__slug", "starts_at")
    ):
        for tier, user in (("Primary", week.primary), ("Secondary", week.secondary)):
            roles.append(
                [
                    "rotation week",
                    f"On-Call {tier}",
                    _name(user),
                    "",
                    _iso(week.starts_at),
                    _iso(week.ends_at),
                    week.rotation.slug,
                ]
            )
    for override in (
        Override.objects.filter(cancelled_at__isnull=True, starts_at__lt=end, ends_at__gt=start)
        .select_related("rotation", "user", "replaces")
        .order_by("rotation__slug", "starts_at", "id")
    ):
        roles.append(
            [
                "override",
                f"On-Call {override.get_tier_display()}",
                _name(override.user),
                f"replaces {_name(override.replaces)}" if override.replaces_id else "",
                _iso(override.starts_at),
                _iso(override.ends_at),
                override.rotation.slug,
            ]
        )

    decisions = [
        ["decided_at", "request", "kind", "title", "role", "person", "verdict", "statement"]
        + ["policy"]
    ]
    month_decisions = list(
        ApprovalDecision.objects.filter(decided_at__gte=start, decided_at__lt=end)
        .select_related("request", "role", "person", "policy_version")
        .order_by("decided_at", "id")
    )
    for d in month_decisions:
        decisions.append(
            [_iso(d.decided_at), d.request_id, d.request.kind, d.request.title, d.role.name]
            + [d.person.username, d.verdict, d.statement, str(d.policy_version or "")]
        )
    mails = [["created_at", "sent_at", "to", "template", "subject", "status"]] + [
        [_iso(n.created_at), _iso(n.sent_at), n.address, n.template, n.subject, n.status]
        for n in Notification.objects.filter(created_at__gte=start, created_at__lt=end).order_by(
            "created_at", "id"
        )
    ]
    figures = "\n".join(
        f"- {row[0]}: {row[1]}" + (f" / {row[2]}" if row[2] != "" else "")
        for row in report_rows(report)[1:]
    )
    readme = (
        f"# Evidence pack: {label}\n\n"
        f"Period: {start.isoformat()} to {end.isoformat()} (end excluded).\n\n"
        f"## Figures\n\n{figures}\n\n"
        "## Files\n\n"
        f"- report.csv: the compliance figures and the records behind them\n"
        f"- incidents.csv: the {len(incidents) - 1} incident(s) opened in the month\n"
        f"- timeline.csv: every event of those incidents ({len(timeline) - 1})\n"
        "- roles.csv: who held which role — role assignments, rotation weeks and overrides "
        "in force during the month\n"
        f"- decisions.csv: every approval decision of the month with its policy version "
        f"({len(decisions) - 1})\n"
        f"- mails.csv: every mail queued in the month ({len(mails) - 1})\n\n" + record_pack.README
    )
    return _zip(
        record_pack.sealed(
            {
                "README.md": readme,
                "report.csv": _csv(report_rows(report)),
                "incidents.csv": _csv(incidents),
                "timeline.csv": _csv(timeline),
                "roles.csv": _csv(roles),
                "decisions.csv": _csv(decisions),
                "mails.csv": _csv(mails),
                **record_pack.segment_files(records=[*events, *month_decisions]),
            }
        )
    )
