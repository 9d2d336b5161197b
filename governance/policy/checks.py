"""Consistency rules of the D9 policy rows (`manage.py validate_policy`, system checks, admin).

Errors make the policy unusable for the authority engine and are refused when saved in the
admin; warnings are blanks a person still has to fill (D9 prints them as "_____"); notes say
where D9's own tables overlap and which row the authority engine applies (nothing to fill).
Each rule is a small function on plain values, so the admin forms can run it on an edit before
it is saved, and `find_problems()` runs them all on the stored rows.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core import checks
from django.db import DatabaseError
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    DecisionAuthority,
    EscalationContact,
    KillSwitchAction,
    KillSwitchActionRole,
    MessageTemplate,
    Phase,
    PhaseGate,
    RaciActivity,
    ResumeAuthority,
    Role,
    RollbackType,
    Severity,
)
from governance.policy import selectors

ERROR = "error"
WARNING = "warning"
NOTE = "note"
# The D9 vocabulary the authority engine and the other apps look roles up by.
REQUIRED_ROLE_KEYS = [
    "ingestion_owner",
    "on_call_primary",
    "on_call_secondary",
    "on_call",
    "sre_lead",
    "database_owner",
    "product_manager",
    "support_lead",
    "account_manager",
    "anyone",
    "all_stakeholders",
]


@dataclass(frozen=True)
class Finding:
    level: str
    rule: str
    message: str
    obj: Model | None = None

    @property
    def admin_path(self) -> str:
        """The admin page that fixes this finding (the object, else nothing)."""
        if self.obj is None or self.obj.pk is None:
            return ""
        meta = self.obj._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[self.obj.pk])


def raci_letter_problems(
    activity: str, letters: Iterable[str], *, accountable_waived: bool = False
) -> list[str]:
    """D9 §2.1: an activity has exactly one A (Accountable) and at least one R (Responsible).

    An activity whose missing A is explicitly waived (D9 v1.0 "Test upload") may have none.
    """
    letters = list(letters)
    problems = []
    accountable = letters.count("A")
    if accountable > 1 or (accountable == 0 and not accountable_waived):
        problems.append(
            f'RACI activity "{activity}" has {accountable} Accountable (A) roles; '
            "it must have exactly one."
        )
    if "R" not in letters:
        problems.append(
            f'RACI activity "{activity}" has no Responsible (R) role; it needs at least one.'
        )
    return problems


def escalation_problems(severity: str, steps: Iterable[tuple[int, int]]) -> list[str]:
    """D9 §4.2: a ladder starts at 0 minutes, and minutes never go down as the steps go on.

    `steps` are (position, at_minute) pairs.
    """
    ordered = sorted(steps)
    minutes = [minute for _, minute in ordered]
    problems = []
    if 0 not in minutes:
        problems.append(f"Severity {severity} has no escalation step at 0 minutes.")
    if minutes != sorted(minutes):
        problems.append(
            f"The escalation steps of {severity} are out of order: a later step "
            "(by position) comes at an earlier minute."
        )
    return problems


def gate_chain_problems(gates: Iterable[tuple[str, str]]) -> list[str]:
    """D9 §6.1: the phase gates form the chain P0 → P1 → P2 → P3 → P4, each gate one step."""
    phases = list(Phase.values)
    expected = list(zip(phases, phases[1:], strict=False))
    actual = sorted(gates)
    if actual == expected:
        return []
    chain = ", ".join(f"{a} → {b}" for a, b in actual) or "no gates"
    wanted = ", ".join(f"{a} → {b}" for a, b in expected)
    return [f"The phase gates must form the chain {wanted}; they are: {chain}."]


def template_problems(title: str, body: str, fields: Iterable[str]) -> list[str]:
    """D9 §7.3: a template renders with its fields: each field is in the body and every
    bracketed field of the body is one of its fields."""
    probe = MessageTemplate(title=title, body=body, fields=list(fields))
    used = probe.placeholders()
    problems = []
    missing = [field for field in probe.fields if field not in used]
    unknown = [name for name in used if name not in probe.fields]
    if missing:
        problems.append(
            f'Template "{title}" does not use its field(s) '
            + ", ".join(f"[{name}]" for name in missing)
            + "."
        )
    if unknown:
        problems.append(
            f'Template "{title}" uses '
            + ", ".join(f"[{name}]" for name in unknown)
            + " which is not one of its fields."
        )
    if not problems:
        rendered = probe.render({name: "x" for name in probe.fields})
        if "[" in rendered or "]" in rendered:
            problems.append(f'Template "{title}" has an unbalanced bracket.')
    return problems


def _raci_findings() -> list[Finding]:
    findings = []
    for activity in RaciActivity.objects.prefetch_related("entries"):
        letters = [entry.letter for entry in activity.entries.all()]
        waived = activity.accountable_waived
        for message in raci_letter_problems(activity.name, letters, accountable_waived=waived):
            findings.append(Finding(ERROR, "raci", message, activity))
        if waived and "A" not in letters:
            message = (
                f'RACI activity "{activity.name}" has no Accountable (A) role; '
                "the policy waives it, as D9 v1.0 does."
            )
            findings.append(Finding(WARNING, "raci_accountable_waived", message, activity))
    return findings


def _assignment_findings(now) -> list[Finding]:
    # Primary ≠ backup is a database constraint (and form validation), so it cannot be stored.
    findings = []
    for role in Role.objects.filter(notion=Role.Notion.ASSIGNED):
        assignment = selectors.assignment_at(role.key, at=now)
        if assignment is None:
            message = f"{role} has no primary assigned (D9 §1.3)."
            findings.append(Finding(WARNING, "role_unassigned", message, role))
        elif assignment.backup_id is None and role.listed_in_assignments:
            message = f"{role} has no backup assigned (D9 §1.3)."
            findings.append(Finding(WARNING, "role_without_backup", message, assignment))
    return findings


def _authority_findings() -> list[Finding]:
    findings = []
    present = set(Role.objects.values_list("key", flat=True))
    for key in REQUIRED_ROLE_KEYS:
        if key not in present:
            message = (
                f'The role "{key}" that the D9 tables and the authority engine use is missing.'
            )
            findings.append(Finding(ERROR, "role_missing", message))

    def empty(rows, relation, message, *, duty=None):
        for row in rows:
            mentions = getattr(row, relation).all()
            if duty:
                mentions = [m for m in mentions if m.duty == duty]
            if not mentions:
                findings.append(Finding(ERROR, "authority_without_role", message.format(row), row))

    empty(
        KillSwitchAction.objects.prefetch_related("roles"),
        "roles",
        'Kill-switch action "{}" names no role that can execute it (D9 §2.2).',
        duty=KillSwitchActionRole.Duty.EXECUTE,
    )
    empty(
        ResumeAuthority.objects.prefetch_related("roles"),
        "roles",
        'Resume scope "{}" names no resume authority (D9 §5.3).',
    )
    empty(
        PhaseGate.objects.prefetch_related("approvers"),
        "approvers",
        'Phase gate "{}" names no required approver (D9 §6.1).',
    )
    empty(
        RollbackType.objects.prefetch_related("decision_makers"),
        "decision_makers",
        'Rollback type "{}" names no decision maker (D9 §6.3).',
    )
    empty(
        DecisionAuthority.objects.prefetch_related("authorities"),
        "authorities",
        'Decision "{}" names no primary authority (D9 §8).',
    )
    return findings


def _escalation_findings() -> list[Finding]:
    findings = []
    for severity in Severity.objects.prefetch_related("steps"):
        steps = [(step.position, step.at_minute) for step in severity.steps.all()]
        for message in escalation_problems(severity.key, steps):
            findings.append(Finding(ERROR, "escalation", message, severity))
    return findings


def _gate_findings() -> list[Finding]:
    gates = list(PhaseGate.objects.all())
    problems = gate_chain_problems((gate.from_phase, gate.to_phase) for gate in gates)
    first = gates[0] if gates else None
    return [Finding(ERROR, "phase_gates", message, first) for message in problems]


def _template_findings() -> list[Finding]:
    findings = []
    for template in MessageTemplate.objects.all():
        for message in template_problems(template.title, template.body, template.fields):
            findings.append(Finding(ERROR, "template", message, template))
    return findings


def _contact_findings() -> list[Finding]:
    findings = []
    for contact in EscalationContact.objects.select_related("role"):
        for side in ("primary", "backup"):
            channel = getattr(contact, f"{side}_channel")
            if EscalationContact.needs_value(channel) and not getattr(contact, f"{side}_value"):
                message = f"The {side} contact of {contact.role} is blank (D9 §4.4)."
                findings.append(Finding(WARNING, "contact_blank", message, contact))
    return findings


def _overlap_findings() -> list[Finding]:
    """Where D9's tables overlap or disagree (e.g. resuming a < 1 h pause: §2.2, §5.3 and §8
    name different roles), as notes so the Owner can align the document. The authority engine
    applies the more specific row: §5.1/§5.3/§6.3 over §2.2/§6.1 over §8."""
    from governance.killswitch.authority import overlaps

    return [Finding(NOTE, "policy_overlap", message) for message in overlaps()]


def _reading_findings() -> list[Finding]:
    """Issue 12 point 14: how the portal reads D9 where it is ambiguous, as notes."""
    from governance.policy.readings import HEADING, READINGS

    return [
        Finding(NOTE, "policy_reading", f"{HEADING} ({r.sections}): {r.text}") for r in READINGS
    ]


FindingSource = Callable[[datetime], list[Finding]]
FINDING_SOURCES: list[FindingSource] = []


def register_findings(source: FindingSource) -> FindingSource:
    """Register `source(now) -> [Finding, ...]`: policy findings another app can tell (the
    rotations app: people on an upcoming week who have not attested D9 §3.4 readiness)."""
    FINDING_SOURCES.append(source)
    return source


def find_problems(*, now=None) -> list[Finding]:
    """Every finding on the stored policy, errors first."""
    now = now or timezone.now()
    findings = [
        *_raci_findings(),
        *_authority_findings(),
        *_escalation_findings(),
        *_gate_findings(),
        *_template_findings(),
        *_assignment_findings(now),
        *_contact_findings(),
        *_overlap_findings(),
        *_reading_findings(),
        *(finding for source in FINDING_SOURCES for finding in source(now)),
    ]
    return sorted(findings, key=lambda finding: finding.level != ERROR)


def summary(findings: Iterable[Finding]) -> str:
    """The summary line of `validate_policy`: "N error(s), N warning(s), N note(s)". Each level
    is counted on its own: a note is no warning (nothing is missing; D9 says a thing twice)."""
    levels = [finding.level for finding in findings]
    return (
        f"{levels.count(ERROR)} error(s), {levels.count(WARNING)} warning(s), "
        f"{levels.count(NOTE)} note(s)."
    )


@checks.register(checks.Tags.database)
def check_policy(app_configs=None, databases=None, **kwargs):
    """The policy's error rules as Django system checks (`check --database default`, `migrate`).

    Warnings (blanks to fill) stay in `validate_policy`, so `migrate` is not noisy on a fresh
    database.
    """
    if not databases or "default" not in databases:
        return []
    try:
        findings = find_problems()
    except DatabaseError:
        return []  # the policy tables are not migrated yet
    return [
        checks.Error(
            finding.message,
            hint=f"Fix it at {finding.admin_path}" if finding.admin_path else None,
            id=f"governance.policy_{finding.rule}",
        )
        for finding in findings
        if finding.level == ERROR
    ]
