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
    Notification,
    NotificationRule,
    Team,
    Urgency,
)
from governance.ops.models import ApiToken, SweepHeartbeat
from governance.policy.models.base import Phase, Timing, Wording
from governance.policy.models.communication import (
    CommunicationApprover,
    CommunicationRule,
    MessageTemplate,
)
from governance.policy.models.decisions import DecisionAuthority, DecisionAuthorityRole
from governance.policy.models.documents import DocumentApproval, PolicyNote, PolicyVersion
from governance.policy.models.escalation import Channel, EscalationContact, EscalationStep, Severity
from governance.policy.models.killswitch import (
    ActivationLogField,
    KillSwitchAction,
    KillSwitchActionRole,
    KillSwitchScenario,
    ResumeAuthority,
    ResumeAuthorityRole,
    ResumeVerification,
)
from governance.policy.models.oncall import HandoffChecklistItem, OnCallExpectation, OnCallTier
from governance.policy.models.raci import RaciActivity, RaciEntry
from governance.policy.models.roles import Role, RoleAssignment
from governance.policy.models.rollout import (
    GaConfirmation,
    PhaseGate,
    PhaseGateApprover,
    RollbackDecisionMaker,
    RollbackReason,
    RollbackType,
)
from governance.rollout.models import (
    PhaseAdvance,
    PhaseTransition,
    RollbackSignOff,
    RollbackSignOffReason,
    Rollout,
)

__all__ = [
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
    "PhaseAdvance",
    "PhaseTransition",
    "RollbackSignOff",
    "RollbackSignOffReason",
    "Rollout",
    "Workspace",
    "WorkspaceGroupObjectPermission",
    "WorkspaceUserObjectPermission",
    "ActivationLogField",
    "ApiToken",
    "Channel",
    "CommunicationApprover",
    "CommunicationRule",
    "DecisionAuthority",
    "DecisionAuthorityRole",
    "DocumentApproval",
    "EscalationContact",
    "EscalationStep",
    "GaConfirmation",
    "HandoffChecklistItem",
    "KillSwitchAction",
    "KillSwitchActionRole",
    "KillSwitchScenario",
    "MessageTemplate",
    "ContactMethod",
    "Notification",
    "NotificationRule",
    "Team",
    "Urgency",
    "OnCallExpectation",
    "OnCallTier",
    "Phase",
    "PhaseGate",
    "PhaseGateApprover",
    "PolicyNote",
    "PolicyVersion",
    "RaciActivity",
    "RaciEntry",
    "ResumeAuthority",
    "ResumeAuthorityRole",
    "ResumeVerification",
    "Role",
    "RoleAssignment",
    "RollbackDecisionMaker",
    "RollbackReason",
    "RollbackType",
    "Severity",
    "SweepHeartbeat",
    "Timing",
    "Wording",
]
