"""The D9 policy as data: one model per D9 table, every row history-tracked, by D9 section."""

from governance.policy.models.base import Phase, PolicyModel, Timing, Wording
from governance.policy.models.changes import RoleChangeRequest
from governance.policy.models.communication import (
    CommunicationApprover,
    CommunicationRule,
    MessageTemplate,
)
from governance.policy.models.decisions import DecisionAuthority, DecisionAuthorityRole
from governance.policy.models.documents import DocumentApproval, PolicyNote, PolicyVersion
from governance.policy.models.drafts import PolicyDraft
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
from governance.policy.models.roles import Role, RoleAssignment, RoleMention
from governance.policy.models.rollout import (
    GaConfirmation,
    PhaseGate,
    PhaseGateApprover,
    RollbackDecisionMaker,
    RollbackReason,
    RollbackType,
)

__all__ = [
    "ActivationLogField",
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
    "OnCallExpectation",
    "OnCallTier",
    "Phase",
    "PhaseGate",
    "PhaseGateApprover",
    "PolicyDraft",
    "PolicyModel",
    "PolicyNote",
    "PolicyVersion",
    "RaciActivity",
    "RaciEntry",
    "ResumeAuthority",
    "ResumeAuthorityRole",
    "ResumeVerification",
    "Role",
    "RoleAssignment",
    "RoleChangeRequest",
    "RoleMention",
    "RollbackDecisionMaker",
    "RollbackReason",
    "RollbackType",
    "Severity",
    "Timing",
    "Wording",
]
