"""Every model of the governance app, from the concern that defines it (Django imports this
module; the app label, tables and permissions stay "governance")."""

from governance.approvals.models import (
    ApprovalDecision,
    ApprovalEscalation,
    ApprovalRequest,
    ApprovalRequestGroupObjectPermission,
    ApprovalRequestUserObjectPermission,
    ApprovalRequirement,
)
from governance.core.models import (
    Workspace,
    WorkspaceGroupObjectPermission,
    WorkspaceUserObjectPermission,
)
from governance.duties.models import (
    Cadence,
    DutyCheckIn,
    DutyComment,
    DutyInstance,
    DutyNotice,
    DutySchedule,
    Health,
)
from governance.killswitch.models import (
    KillSwitchActivation,
    KillSwitchLogEntry,
    KillSwitchState,
    ResumeCheck,
)
from governance.launch.models import GoNoGoDecision, Launch, LaunchChecklistItem, LaunchConsultation
from governance.notifications.models import (
    ContactMethod,
    DisplayZone,
    Notification,
    NotificationRule,
    Team,
    Urgency,
)
from governance.ops.models import ApiToken, SweepHeartbeat
from governance.policy.models import *  # noqa: F403  (every D9 table, by section)
from governance.policy.models import __all__ as POLICY_MODELS
from governance.record.models import (
    ChainCheckpoint,
    ChainEntry,
    ChainHead,
    ChainVerification,
)
from governance.rollout.models import (
    OnCallTrainedAttestation,
    PhaseAdvance,
    PhaseTransition,
    RevalidationCheck,
    RollbackSignOff,
    RollbackSignOffReason,
    Rollout,
)

__all__ = [
    *POLICY_MODELS,
    "Cadence",
    "DutyCheckIn",
    "DutyComment",
    "DutyInstance",
    "DutyNotice",
    "DutySchedule",
    "GoNoGoDecision",
    "Health",
    "Launch",
    "LaunchChecklistItem",
    "LaunchConsultation",
    "ApprovalDecision",
    "ApprovalEscalation",
    "ApprovalRequest",
    "ApprovalRequestGroupObjectPermission",
    "ApprovalRequestUserObjectPermission",
    "ApprovalRequirement",
    "KillSwitchActivation",
    "KillSwitchLogEntry",
    "KillSwitchState",
    "ResumeCheck",
    "OnCallTrainedAttestation",
    "PhaseAdvance",
    "PhaseTransition",
    "RollbackSignOff",
    "RevalidationCheck",
    "RollbackSignOffReason",
    "Rollout",
    "Workspace",
    "WorkspaceGroupObjectPermission",
    "WorkspaceUserObjectPermission",
    "ApiToken",
    "ContactMethod",
    "DisplayZone",
    "Notification",
    "NotificationRule",
    "Team",
    "Urgency",
    "SweepHeartbeat",
    "ChainCheckpoint",
    "ChainEntry",
    "ChainHead",
    "ChainVerification",
]
