"""The what-if replay (D9 §9): the recorded facts of a window replayed under a set of D9 tables.

The facts are what happened: incidents with their open, acknowledge, resolve instants and
severities, the instants each escalation track was stopped (acknowledged, resolved, alert
cleared: the recorded steps' `cancelled_at`), the updates posted, the kill-switch activations
with their scenarios and the approval decisions with their instants, and who held which role.
The rules are the live ones, called with the replayed tables' values: `ladder_plan`,
`response_plan`, `fires`, `update_reminders` (incidents.escalation), `due_instant`
(killswitch.authority), and the compliance report's `acknowledgement_state`,
`update_slot_states`, `deadline_state`. A step fires at its due instant (the sweep runs every 30 s).

The replay only reads. Its cost is a fixed number of queries per batch of incidents, plus the
holder lookups, which depend on the window (one per role per instant where holders can change:
rotation weeks and overrides, local midnights for assignments), never on the incidents.
"""

import bisect
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.urls import reverse

from governance import authority
from governance.compliance.report import (
    Ratio,
    acknowledgement_state,
    deadline_state,
    is_night,
    update_slot_states,
)
from governance.duties.services import local_zone
from governance.killswitch.authority import due_instant
from governance.models import (
    ApprovalDecision,
    CommunicationRule,
    EscalationStep,
    KillSwitchActivation,
    KillSwitchScenario,
    OnCallTier,
    Role,
    Severity,
)
from governance.policy.drafts import instances
from incidents.escalation import (
    STOPPED_BY_ACK,
    STOPPED_BY_RESOLVE,
    UPDATE_RULE,
    PlannedStep,
    fires,
    ladder_plan,
    response_plan,
    update_reminders,
)
from incidents.models import Incident, IncidentStep, IncidentUpdate
from rotations.models import Override, RotationWeek

BATCH = 2000
PRIMARY_TIER = "primary"


@dataclass
class Policy:
    """The values of one set of D9 tables (live or a draft) the replay needs, as model
    instances whose role links point at the live `Role` rows (roles are not drafted)."""

    ladders: dict[int, list[EscalationStep]]
    tiers: list[OnCallTier]
    scenarios: dict[int, KillSwitchScenario]
    cadence: datetime.timedelta
    response_minutes: int

    @classmethod
    def from_tables(cls, tables: dict, roles: dict[int, Role]) -> "Policy":
        severities = {s.pk: s for s in instances(tables, Severity)}
        ladders: dict[int, list[EscalationStep]] = defaultdict(list)
        for step in sorted(instances(tables, EscalationStep), key=lambda s: s.position):
            step.role = roles.get(step.role_id)
            step.severity = severities[step.severity_id]
            ladders[step.severity_id].append(step)
        tiers = sorted(instances(tables, OnCallTier), key=lambda t: (t.position, t.pk))
        for tier in tiers:
            tier.role = roles[tier.role_id]
            tier.escalates_to = roles.get(tier.escalates_to_id)
        scenarios = {}
        for scenario in instances(tables, KillSwitchScenario):
            scenario.approver = roles.get(scenario.approver_id)
            scenarios[scenario.pk] = scenario
        rule = next((r for r in instances(tables, CommunicationRule) if r.key == UPDATE_RULE), None)
        primary = next((t for t in tiers if t.key == PRIMARY_TIER), None)
        return cls(
            ladders=dict(ladders),
            tiers=tiers,
            scenarios=scenarios,
            cadence=datetime.timedelta(minutes=(rule and rule.cadence_minutes) or 0),
            response_minutes=primary.response_minutes if primary else 0,
        )


class Holders:
    """Who holds a role at T over the window, asked of the authority engine once per role per
    instant where holders can change (so the replay's cost depends on the window only)."""

    def __init__(self, *, start: datetime.datetime, end: datetime.datetime):
        marks = {start}
        for model in (RotationWeek, Override):
            for starts_at, ends_at in model.objects.filter(
                starts_at__lt=end, ends_at__gt=start
            ).values_list("starts_at", "ends_at"):
                marks.update(m for m in (starts_at, ends_at) if start < m < end)
        zone = local_zone()
        day = start.astimezone(zone).date() + datetime.timedelta(days=1)
        while (midnight := datetime.datetime.combine(day, datetime.time(), zone)) < end:
            marks.add(midnight)
            day += datetime.timedelta(days=1)
        self.marks = sorted(marks)
        self._cache: dict[tuple[str, datetime.datetime], list] = {}

    def __call__(self, role_key: str, at: datetime.datetime) -> list:
        mark = self.marks[max(bisect.bisect_right(self.marks, at) - 1, 0)]
        if (role_key, mark) not in self._cache:
            self._cache[role_key, mark] = list(authority.holders(role_key, at=mark))
        return self._cache[role_key, mark]


@dataclass(frozen=True)
class Event:
    """One consequence of the policy on one real record (a page, a notification, a reminder,
    an approval requirement), comparable across replays."""

    record: str  # "incident" or "pause"
    record_id: int
    key: str
    label: str
    at: datetime.datetime | None
    person: str = ""

    def identity(self) -> tuple:
        return (self.record, self.record_id, self.key, self.person)


@dataclass
class Figures:
    """The figures of one replay (D9 §3.1, §4.2, §5.1, §7.1 and the compliance report)."""

    incidents: int = 0
    pauses: int = 0
    pages_by_person: Counter = field(default_factory=Counter)
    pages_by_tier: Counter = field(default_factory=Counter)
    night_pages: int = 0
    escalations: Counter = field(default_factory=Counter)
    approvals_required: int = 0
    approvals_overdue: int = 0
    approvals_refused: int = 0
    update_reminders: int = 0
    acks_in_time: Ratio = field(default_factory=Ratio)
    updates_in_slot: Ratio = field(default_factory=Ratio)
    approvals_in_time: Ratio = field(default_factory=Ratio)
    response_minutes: int = 0
    cadence_minutes: int = 0
    events: list[Event] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(self.pages_by_person.values())


@dataclass
class Facts:
    """The recorded facts of the window, loaded once and replayed under each policy."""

    start: datetime.datetime
    end: datetime.datetime
    horizon: datetime.datetime
    roles: dict[int, Role]
    holders: Holders
    incidents: list = field(default_factory=list)
    stopped: dict = field(default_factory=dict)  # (incident id, step kind) -> instant
    posted: dict = field(default_factory=lambda: defaultdict(list))
    pauses: list = field(default_factory=list)
    decided: dict = field(default_factory=dict)  # (request id, role id) -> (instant, verdict)


def load_facts(
    *, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime
) -> Facts:
    """What happened in [start, end): a fixed number of queries per batch of incidents."""
    facts = Facts(
        start=start,
        end=end,
        horizon=min(end, now),
        roles={r.pk: r for r in Role.objects.all()},
        holders=Holders(start=start, end=min(end, now)),
    )
    facts.incidents = list(
        Incident.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .only(
            "id",
            "title",
            "severity_id",
            "opened_at",
            "ladder_started_at",
            "acknowledged_at",
            "resolved_at",
        )
        .order_by("opened_at", "id")
    )
    for first in range(0, len(facts.incidents), BATCH):
        ids = [i.pk for i in facts.incidents[first : first + BATCH]]
        for incident_id, kind, cancelled_at in IncidentStep.objects.filter(
            incident_id__in=ids, cancelled_at__isnull=False
        ).values_list("incident_id", "kind", "cancelled_at"):
            key = (incident_id, kind)
            facts.stopped[key] = min(facts.stopped.get(key, cancelled_at), cancelled_at)
        for incident_id, posted_at in (
            IncidentUpdate.objects.filter(incident_id__in=ids)
            .exclude(kind=IncidentUpdate.Kind.RESOLVED)
            .values_list("incident_id", "posted_at")
        ):
            facts.posted[incident_id].append(posted_at)
    facts.pauses = list(
        KillSwitchActivation.objects.filter(activated_at__gte=start, activated_at__lt=end)
        .only("id", "scenario_id", "activated_at", "starts_at", "approval_id")
        .order_by("activated_at", "id")
    )
    for request_id, role_id, at, verdict in (
        ApprovalDecision.objects.filter(
            request_id__in=[p.approval_id for p in facts.pauses if p.approval_id],
            verdict__in=[ApprovalDecision.Verdict.APPROVE, ApprovalDecision.Verdict.VETO],
        )
        .order_by("decided_at", "id")
        .values_list("request_id", "role_id", "decided_at", "verdict")
    ):
        facts.decided.setdefault((request_id, role_id), (at, verdict))
    return facts


def _stopped_at(facts: Facts, incident, kind: str) -> datetime.datetime:
    """When `incident`'s track of `kind` stopped: the first recorded cancellation of a step of
    that kind, the acknowledgement (response track), the resolution, or the replay horizon."""
    candidates = [facts.horizon]
    if (incident.pk, kind) in facts.stopped:
        candidates.append(facts.stopped[incident.pk, kind])
    if kind in STOPPED_BY_ACK and incident.acknowledged_at:
        candidates.append(incident.acknowledged_at)
    if kind in STOPPED_BY_RESOLVE and incident.resolved_at:
        candidates.append(incident.resolved_at)
    return min(candidates)


def _person(user) -> str:
    return user.get_full_name() or user.username


def _escalate(figures: Figures, facts: Facts, incident, planned: Iterable[PlannedStep], level):
    paged: set[int] = set()
    for step in planned:
        if not fires(step, stopped_at=_stopped_at(facts, incident, step.kind)):
            continue
        figures.escalations[level(step)] += 1
        if step.role is None:
            continue
        for user in facts.holders(step.role.key, step.due_at):
            if step.is_page and user.pk in paged:
                continue  # a person is paged once per incident (the outbox dedupe key)
            what = "page" if step.is_page else "notify"
            figures.events.append(
                Event(
                    "incident",
                    incident.pk,
                    f"{what}:{step.key}",
                    step.label,
                    step.due_at,
                    _person(user),
                )
            )
            if step.is_page:
                paged.add(user.pk)
                figures.pages_by_person[_person(user)] += 1
                figures.pages_by_tier[step.role.name] += 1
                figures.night_pages += is_night(step.due_at)


def replay(policy: Policy, facts: Facts) -> Figures:
    """The figures `policy` gives the facts of the window (reads nothing more)."""
    figures = Figures(
        incidents=len(facts.incidents),
        pauses=len(facts.pauses),
        response_minutes=policy.response_minutes,
        cadence_minutes=int(policy.cadence.total_seconds() // 60),
    )
    severity_keys = {}
    for incident in facts.incidents:
        ladder = policy.ladders.get(incident.severity_id, [])
        key = severity_keys.setdefault(
            incident.severity_id, ladder[0].severity.key if ladder else ""
        )
        planned = [
            *ladder_plan(ladder, severity_key=key, start=incident.ladder_started_at),
            *response_plan(policy.tiers, opened_at=incident.opened_at),
        ]
        _escalate(
            figures,
            facts,
            incident,
            sorted(planned, key=lambda s: s.due_at),
            lambda s, key=key: (
                f"{key} {s.label}" if s.kind == IncidentStep.Kind.LADDER else s.label
            ),
        )
        figures.acks_in_time.add(
            acknowledgement_state(
                incident.opened_at,
                incident.acknowledged_at,
                response=policy.response_minutes,
                now=facts.horizon,
            ),
            incident.pk,
        )
        posted = facts.posted.get(incident.pk, [])
        for state in update_slot_states(
            incident.opened_at,
            posted,
            incident.resolved_at,
            cadence=figures.cadence_minutes,
            now=facts.horizon,
        ):
            figures.updates_in_slot.add(state, incident.pk)
        if policy.cadence:
            stopped = _stopped_at(facts, incident, IncidentStep.Kind.UPDATE)
            for at in update_reminders(
                opened_at=incident.opened_at,
                posted=posted,
                stopped_at=stopped,
                cadence=policy.cadence,
            ):
                figures.update_reminders += 1
                figures.events.append(
                    Event(
                        "incident",
                        incident.pk,
                        f"update:{at.isoformat()}",
                        "Update reminder (D9 §7.1)",
                        at,
                    )
                )
    for pause in facts.pauses:
        _approve(figures, facts, policy.scenarios.get(pause.scenario_id), pause)
    return figures


def _approve(figures: Figures, facts: Facts, scenario, pause) -> None:
    """D9 §5.1: the scenario's approver, by the deadline it sets, for one recorded pause."""
    if scenario is None or scenario.approver is None:
        return
    figures.approvals_required += 1
    due = due_instant(
        pause.activated_at,
        scenario.approval_timing,
        scenario.approval_minutes,
        start=pause.starts_at,
    )
    decided_at, verdict = facts.decided.get((pause.approval_id, scenario.approver.pk), (None, ""))
    refused = verdict == ApprovalDecision.Verdict.VETO
    figures.approvals_refused += refused
    overdue = due is not None and (
        (decided_at is None and due < facts.horizon)
        or (decided_at is not None and decided_at > due)
    )
    figures.approvals_overdue += overdue
    if due is not None:
        figures.approvals_in_time.add(deadline_state(due, decided_at, now=facts.horizon), pause.pk)
    state = "refused" if refused else "overdue" if overdue else "required"
    figures.events.append(
        Event(
            "pause",
            pause.pk,
            f"approval:{scenario.approver.key}",
            f"{scenario.approver.name} approval {state} (due {_stamp(due)})",
            due,
        )
    )


def _stamp(at) -> str:
    return f"{at.astimezone(local_zone()):%Y-%m-%d %H:%M}" if at else "no deadline"


def record_url(event: Event) -> str:
    name = "incidents:detail" if event.record == "incident" else "killswitch:detail"
    return reverse(name, args=[event.record_id])


@dataclass
class Difference:
    """One event that differs: under one policy only, or at another instant or state."""

    live: Event | None
    draft: Event | None

    @property
    def event(self) -> Event:
        return self.draft or self.live

    @property
    def url(self) -> str:
        return record_url(self.event)

    @property
    def change(self) -> str:
        if self.live is None:
            return f"only under the draft, {_stamp(self.draft.at)}"
        if self.draft is None:
            return f"only under the live policy, {_stamp(self.live.at)}"
        live = f"{self.live.label}, {_stamp(self.live.at)}"
        return f"{live} → {self.draft.label}, {_stamp(self.draft.at)}"


def differences(live: Figures, draft: Figures) -> list[Difference]:
    """The individual events that differ: present on one side only, or at another instant
    or in another state."""
    mine = {e.identity(): e for e in draft.events}
    theirs = {e.identity(): e for e in live.events}
    result = []
    for identity in sorted(mine.keys() | theirs.keys()):
        a, b = theirs.get(identity), mine.get(identity)
        if a is None or b is None or (a.at, a.label) != (b.at, b.label):
            result.append(Difference(a, b))
    return result
