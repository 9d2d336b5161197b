"""The governance records that are chained, and the fields that are their canonical content
(issue 20). Incidents registers its timeline from its own ready().

Each list is every field a reviewer needs to trust the record, frozen once chained; a field
added to a model later is not in the content (changing a list would break every hash written).
"""

from django.db.models import Q

from governance.models import (
    ApprovalDecision,
    GoNoGoDecision,
    KillSwitchLogEntry,
    PhaseTransition,
    PolicyVersion,
    ResumeCheck,
    RevalidationCheck,
    RollbackSignOff,
)
from governance.record.chain import register_chained

# D9 §5.2: the activation log, every required field as it was written.
register_chained(
    KillSwitchLogEntry,
    fields=[
        "activation",
        "event",
        "timestamp",
        "actor",
        "reason",
        "severity",
        "scope",
        "approval",
        "notification_sent_to",
        "rows",
    ],
)
# D9 §5.3: each verification ticked before resuming.
register_chained(
    ResumeCheck, fields=["activation", "authority", "verification", "verified_by", "verified_at"]
)
# D9 §5.3 "Rollback": each item of the Full P0 revalidation, as it was recorded.
register_chained(
    RevalidationCheck,
    fields=["sign_off", "activity", "verified_by", "verified_role", "verified_at", "note"],
)
# The approval mechanism: every decision (approve, veto, withdraw) on every kind.
register_chained(
    ApprovalDecision,
    fields=[
        "request",
        "role",
        "person",
        "verdict",
        "statement",
        "revision",
        "policy_version",
        "decided_at",
        "held_as",
    ],
)
# D9 §6.4: the rollback sign-off form as filed (its status and approval move on; the form not).
register_chained(
    RollbackSignOff,
    fields=[
        "rollout",
        "rollback_type",
        "date",
        "time",
        "from_phase",
        "to_phase",
        "other_reason",
        "authorized_by",
        "authorized_role",
        "approved_by",
        "approved_role",
        "investigation_assignee",
        "re_ramp_on",
        "client_communication",
        "created_at",
    ],
)
# D9 §6.1: each phase change of a rollout.
register_chained(
    PhaseTransition,
    fields=[
        "rollout",
        "from_phase",
        "to_phase",
        "kind",
        "at",
        "actor",
        "advance",
        "rollback",
        "policy_version",
    ],
)
# D9 §2.1: Go/No-Go decisions.
register_chained(
    GoNoGoDecision,
    fields=["launch", "outcome", "reason", "decided_by", "decided_at", "policy_version"],
)
# D9 §9: a policy version is chained when it is published (goes into force); drafts are not
# records yet.
register_chained(
    PolicyVersion,
    fields=["version", "date", "change_summary"],
    when=lambda version: version.status != PolicyVersion.Status.DRAFT,
    where=~Q(status=PolicyVersion.Status.DRAFT),
)
