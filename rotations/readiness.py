"""The rotations' GA readiness evidence (D9 §6.2 SRE Lead: "on-call trained"), registered with
the rollout in `RotationsConfig.ready()`: how many engineers of the policy rotation's roster
attested every D9 §3.4 expectation."""

import datetime

from django.urls import reverse

from governance.models import OnCallExpectation
from governance.rollout.readiness import SRE_LEAD, Evidence, Fact, PhaseSpan
from rotations import selectors
from rotations.models import ReadinessAttestation


def readiness_evidence(*, spans: list[PhaseSpan], at: datetime.datetime) -> list[Evidence]:
    """D9 §3.4 readiness of the policy rotation's active roster, in three queries."""
    rotation = selectors.policy_rotation()
    if rotation is None:
        return [Evidence(SRE_LEAD, [Fact("On-call readiness (D9 §3.4)", "no rotation", warn=True)])]
    members = list(
        rotation.roster.filter(active=True, user__is_active=True).values_list("user_id", flat=True)
    )
    expected = OnCallExpectation.objects.count()
    done = {}
    for user_id in ReadinessAttestation.objects.filter(user_id__in=members).values_list(
        "user_id", flat=True
    ):
        done[user_id] = done.get(user_id, 0) + 1
    ready = sum(1 for user_id in members if done.get(user_id, 0) >= expected)
    return [
        Evidence(
            SRE_LEAD,
            [
                Fact(
                    "On-call readiness (D9 §3.4)",
                    f"{ready} of {len(members)} roster engineer(s) attested all {expected} "
                    "expectation(s)",
                    reverse("rotations:readiness"),
                    warn=ready < len(members),
                )
            ],
        )
    ]
