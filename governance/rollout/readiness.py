"""GA readiness (D9 §6.2): the evidence each GA approver's statement rests on, beside it.

The rollout knows its phases, the launch checklist and the SRE Lead's "on-call trained"
attestations; what incidents and rotations know (incidents, MTTA/MTTR per phase, open
follow-ups and reviews; on-call readiness) comes from readiness sources those apps register in
their `ready()` (`register_readiness_source`), so this module imports neither.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance import authority
from governance.core.history import save_with_history as _save
from governance.core.roles import OWNER
from governance.launch.models import GoNoGoDecision, Launch, LaunchChecklistItem
from governance.models import GaConfirmation, OnCallTrainedAttestation, Rollout
from governance.rollout import services as rollout_services

# D9 §6.2: "SRE Lead sign-off — Confirms: Infra stable, monitoring adequate, on-call trained".
SRE_LEAD = "sre_lead"
PRODUCT_MANAGER = "product_manager"  # D9 §6.2: "Client feedback acceptable, no blockers".


@dataclass(frozen=True)
class PhaseSpan:
    """The rollout was in `phase` from `starts_at` until `ends_at` (None: still is)."""

    phase: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None

    def duration(self, at: datetime.datetime) -> datetime.timedelta:
        return (self.ends_at or at) - self.starts_at


@dataclass(frozen=True)
class Fact:
    """One figure of the evidence, in words, with the page listing its records."""

    label: str
    value: str
    url: str = ""
    warn: bool = False


@dataclass
class Evidence:
    """What one source contributes: facts backing the §6.2 statement of role `supports`, and
    per-phase figures (one list of facts per span, in span order)."""

    supports: str
    facts: list[Fact] = field(default_factory=list)
    per_phase: list[list[Fact]] = field(default_factory=list)


Source = Callable[..., list[Evidence]]
SOURCES: list[Source] = []


def register_readiness_source(source: Source) -> Source:
    """Register `source(*, spans, at) -> [Evidence, ...]` (e.g. incidents' figures per phase,
    rotations' on-call readiness)."""
    SOURCES.append(source)
    return source


def phase_spans(rollout: Rollout, *, at: datetime.datetime) -> list[PhaseSpan]:
    """Each phase the rollout has been in, oldest first, from its transitions (one query)."""
    spans = []
    phase, since = None, rollout.created_at
    for transition in rollout.transitions.order_by("at", "id"):
        if transition.at > at:
            break
        spans.append(PhaseSpan(phase or transition.from_phase, since, transition.at))
        phase, since = transition.to_phase, transition.at
    spans.append(PhaseSpan(phase or rollout.phase, since, None))
    return spans


def duration_text(delta: datetime.timedelta) -> str:
    """ "3 d 4 h", "5 h 12 min", "12 min"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _launch_facts() -> list[Fact]:
    """The launch checklist's state (D9 §2.1 Pre-Launch and Launch) and its Go/No-Go."""
    launch = Launch.objects.order_by("-created_at", "-id").first()
    if launch is None:
        return [Fact("Launch checklist", "no launch started", warn=True)]
    items = list(LaunchChecklistItem.objects.filter(launch=launch).values_list("status", flat=True))
    signed = items.count(LaunchChecklistItem.Status.SIGNED_OFF)
    decision = GoNoGoDecision.objects.filter(launch=launch).order_by("-decided_at", "-id").first()
    return [
        Fact(
            "Launch checklist",
            f"{signed} of {len(items)} item(s) signed off",
            launch.get_absolute_url(),
            warn=signed < len(items),
        ),
        Fact(
            "Go/No-Go decision",
            f"{decision.get_outcome_display()} ({decision.decided_at:%Y-%m-%d})"
            if decision
            else "not recorded",
            launch.get_absolute_url(),
            warn=decision is None or decision.outcome != GoNoGoDecision.Outcome.GO,
        ),
    ]


def _attestation_facts(rollout: Rollout) -> list[Fact]:
    latest = (
        OnCallTrainedAttestation.objects.filter(rollout=rollout)
        .select_related("attested_by")
        .first()
    )
    if latest is None:
        return [Fact("“On-call trained” attestation", "not recorded yet", warn=True)]
    who = latest.attested_by.get_full_name() or latest.attested_by.username
    return [
        Fact(
            "“On-call trained” attestation",
            f"{who}, {timezone.localtime(latest.attested_at):%Y-%m-%d %H:%M}: {latest.statement}",
        )
    ]


@dataclass
class Readiness:
    spans: list[PhaseSpan]
    phase_rows: list[tuple[PhaseSpan, str, list[Fact]]]
    statements: list[tuple[GaConfirmation, list[Fact]]]
    attestations: list[OnCallTrainedAttestation]


def ga_readiness(rollout: Rollout, *, at: datetime.datetime | None = None) -> Readiness:
    """The evidence beside each D9 §6.2 statement, and time, incidents and MTTA/MTTR per
    phase. A fixed number of queries per source, whatever the number of incidents."""
    at = at or timezone.now()
    spans = phase_spans(rollout, at=at)
    evidence = [item for source in SOURCES for item in source(spans=spans, at=at)]
    facts: dict[str, list[Fact]] = {}
    for item in evidence:
        facts.setdefault(item.supports, []).extend(item.facts)
    facts.setdefault(OWNER, []).extend(_launch_facts())
    reasons = rollout_services.blockers(at=at)
    facts.setdefault(PRODUCT_MANAGER, []).append(
        Fact("Blockers now", "; ".join(reasons) if reasons else "none", warn=bool(reasons))
    )
    facts.setdefault(SRE_LEAD, []).extend(_attestation_facts(rollout))
    phase_rows = []
    for index, span in enumerate(spans):
        figures = [fact for item in evidence if item.per_phase for fact in item.per_phase[index]]
        phase_rows.append((span, duration_text(span.duration(at)), figures))
    confirmations = list(GaConfirmation.objects.select_related("role"))
    return Readiness(
        spans=spans,
        phase_rows=phase_rows,
        statements=[(c, facts.get(c.role.key, [])) for c in confirmations],
        attestations=list(
            OnCallTrainedAttestation.objects.filter(rollout=rollout).select_related("attested_by")[
                :5
            ]
        ),
    )


@authority.register("rollout.attest_on_call_trained")
def may_attest_on_call_trained(user, *, action, obj, at) -> authority.Decision:
    """D9 §6.2: the SRE Lead confirms "on-call trained"."""
    held = authority.roles_of(user, at=at)
    if SRE_LEAD in held:
        return authority.Decision(True, "Allowed: you are the SRE Lead (D9 §6.2).")
    return authority.Decision(
        False,
        "Only the SRE Lead attests that on-call is trained (D9 §6.2); you hold: "
        f"{authority.holds_text(held)}.",
        rows=("D9 §6.2",),
    )


def attest_on_call_trained(
    *, rollout: Rollout, actor, statement: str, at: datetime.datetime | None = None
) -> OnCallTrainedAttestation:
    """D9 §6.2 "on-call trained": the SRE Lead records the attestation, with the on-call
    readiness evidence as it stands now kept beside it."""
    at = at or timezone.now()
    authority.require(actor, "rollout.attest_on_call_trained", obj=rollout, at=at)
    if not statement.strip():
        raise ValidationError({"statement": "Write what you attest about on-call training."})
    spans = phase_spans(rollout, at=at)
    evidence = "\n".join(
        f"{fact.label}: {fact.value}"
        for source in SOURCES
        for item in source(spans=spans, at=at)
        if item.supports == SRE_LEAD
        for fact in item.facts
    )
    with transaction.atomic():
        attestation = OnCallTrainedAttestation(
            rollout=rollout,
            statement=statement.strip(),
            evidence=evidence,
            attested_by=actor,
            attested_at=at,
        )
        _save(attestation, actor=actor, reason="D9 §6.2 on-call trained")
    return attestation
