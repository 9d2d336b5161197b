"""The incidents' GA readiness evidence (D9 §6.2 "Technical criteria met, system stable";
"Infra stable, monitoring adequate"), registered with the rollout in `IncidentsConfig.ready()`:
incidents, MTTA and MTTR per phase; open incidents, follow-up tickets and reviews now."""

import datetime
from statistics import mean

from django.urls import reverse
from django.utils import timezone

from governance.core.roles import OWNER
from governance.rollout.readiness import SRE_LEAD, Evidence, Fact, PhaseSpan, duration_text
from incidents.models import FollowUpTicket, Incident, PostIncidentReview


def _mean_text(deltas: list[datetime.timedelta]) -> str:
    if not deltas:
        return "—"
    return duration_text(datetime.timedelta(seconds=mean(d.total_seconds() for d in deltas)))


def _phase_facts(rows: list[tuple], span: PhaseSpan, at: datetime.datetime) -> list[Fact]:
    end = span.ends_at or at
    inside = [row for row in rows if span.starts_at <= row[0] < end]
    by_severity = {}
    for _opened, _acked, _resolved, severity in inside:
        by_severity[severity] = by_severity.get(severity, 0) + 1
    split = ", ".join(f"{key} {count}" for key, count in sorted(by_severity.items()))
    return [
        Fact("Incidents", f"{len(inside)}" + (f" ({split})" if split else "")),
        Fact("MTTA", _mean_text([acked - opened for opened, acked, _r, _s in inside if acked])),
        Fact(
            "MTTR",
            _mean_text([resolved - opened for opened, _a, resolved, _s in inside if resolved]),
        ),
    ]


def readiness_evidence(*, spans: list[PhaseSpan], at: datetime.datetime) -> list[Evidence]:
    """Per phase: incidents opened, mean time to acknowledge and to resolve; now: open
    incidents (the Owner's "system stable"), open follow-ups and reviews; the current phase's
    MTTA beside the SRE Lead's "monitoring adequate". Four queries."""
    rows = list(
        Incident.objects.filter(opened_at__gte=spans[0].starts_at, opened_at__lte=at)
        .order_by("opened_at")
        .values_list("opened_at", "acknowledged_at", "resolved_at", "severity__key")
    )
    per_phase = [_phase_facts(rows, span, at) for span in spans]
    open_incidents = Incident.objects.exclude(status=Incident.Status.RESOLVED).count()
    tickets = list(
        FollowUpTicket.objects.filter(closed_at__isnull=True).values_list("due_on", flat=True)
    )
    today = timezone.localdate(at)
    overdue = sum(1 for due in tickets if due and due < today)
    reviews = list(
        PostIncidentReview.objects.filter(signed_off_at__isnull=True).values_list(
            "status", "due_on"
        )
    )
    unfiled = [due for status, due in reviews if status == PostIncidentReview.Status.OPEN]
    late = sum(1 for due in unfiled if due < today)
    incidents = reverse("incidents:list")
    return [
        Evidence(
            supports=OWNER,
            facts=[
                Fact(
                    "Open incidents now",
                    str(open_incidents),
                    f"{incidents}?status=open",
                    warn=bool(open_incidents),
                ),
                Fact(
                    "Open follow-up tickets",
                    f"{len(tickets)}" + (f", {overdue} overdue" if overdue else ""),
                    warn=bool(overdue),
                ),
                Fact(
                    "Post-incident reviews not signed off",
                    f"{len(reviews)}: {len(unfiled)} not filed"
                    + (f" ({late} overdue)" if late else "")
                    + f", {len(reviews) - len(unfiled)} awaiting the Owner",
                    warn=bool(late),
                ),
            ],
            per_phase=per_phase,
        ),
        Evidence(
            supports=SRE_LEAD,
            facts=[Fact(f"MTTA in {spans[-1].phase}", per_phase[-1][1].value)],
        ),
    ]
