"""Render the D9 document from the policy rows, blanks filled from live data.

The document is built once as a list of blocks (headings, paragraphs, tables, code) so the same
content becomes Markdown (`render_policy_markdown`, `manage.py render_policy`, the `.md`
download) and HTML (the policy page, `render_policy_html`). Table shapes and section order follow
D9 v1.0; every cell comes from the database.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from governance.models import (
    ActivationLogField,
    Channel,
    CommunicationRule,
    DecisionAuthority,
    EscalationContact,
    EscalationStep,
    GaConfirmation,
    HandoffChecklistItem,
    KillSwitchAction,
    KillSwitchActionRole,
    KillSwitchScenario,
    MessageTemplate,
    OnCallExpectation,
    OnCallTier,
    PhaseGate,
    PolicyNote,
    PolicyVersion,
    RaciActivity,
    RaciEntry,
    ResumeAuthority,
    Role,
    RollbackReason,
    RollbackType,
    Severity,
    Timing,
)
from governance.policy import selectors
from governance.policy.readings import HEADING as READINGS_HEADING
from governance.policy.readings import READINGS

TITLE = "D9 — Production Roles, Ownership & On-Call Model"
NAME_BLANK = "_____________"
SLOT_BLANK = "_______"
NONE = "—"
ROTATION_WEEKS = 4


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    css_class: str = ""


@dataclass
class Code:
    text: str
    caption: str = ""


@dataclass
class Rule:
    pass


Block = Heading | Paragraph | Table | Code | Rule


ScheduleSource = Callable[[int], list[tuple[str, str, str]]]
SCHEDULE_SOURCES: list[ScheduleSource] = []


def register_schedule_source(source: ScheduleSource) -> ScheduleSource:
    """Register `source(count) -> [(week label, primary, secondary), ...]` for the D9 §3.2
    schedule section; the rotations app registers the policy rotation's weeks in `ready()`."""
    SCHEDULE_SOURCES.append(source)
    return source


def rotation_schedule_rows(count: int) -> list[tuple[str, str, str]]:
    """D9 §3.2: (week label, primary, secondary) for the next `count` rotation weeks, from the
    registered source; with none (or no rotation yet) D9's blanks print."""
    for source in SCHEDULE_SOURCES:
        if rows := source(count):
            return rows
    return []


def person(user) -> str:
    if user is None:
        return NAME_BLANK
    return user.get_full_name() or user.get_username()


def joined(mentions, separator: str) -> str:
    return separator.join(str(mention) for mention in mentions) or NONE


def duration_short(minutes: int) -> str:
    """ "5 min", "15 min", "24h" as D9 §5.1 writes durations."""
    if minutes >= 60 and minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes} min"


def duration_long(minutes: int) -> str:
    """ "15 minutes", "1 hour" as D9 §3.1 writes response times."""
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def contact_cell(channel: str, value: str) -> str:
    label = Channel(channel).label
    if not EscalationContact.needs_value(channel) and not value:
        return label
    return f"{label}: {value or SLOT_BLANK}"


def approval_cell(scenario: KillSwitchScenario) -> str:
    if scenario.approver is None:
        return "None (activate first)" if scenario.activate_first else "None"
    who = scenario.approver.word(scenario.approver_wording)
    minutes = scenario.approval_minutes
    if scenario.approval_timing == Timing.WITHIN and minutes:
        return f"{who} (within {duration_short(minutes)})"
    if scenario.approval_timing == Timing.ADVANCE and minutes:
        return f"{who} ({duration_short(minutes)} advance)"
    return who


def notification_cell(scenario: KillSwitchScenario) -> str:
    who = scenario.notify.word(scenario.notify_wording)
    minutes = scenario.notify_minutes
    if scenario.notify_timing == Timing.WITHIN and minutes:
        return f"Within {duration_short(minutes)}: {who}"
    if scenario.notify_timing == Timing.ADVANCE and minutes:
        return f"{duration_short(minutes)} advance: {who}"
    return f"Immediate: {who}"


def consultation_cell(rollback_type: RollbackType) -> str:
    who = rollback_type.consultation_role.word(rollback_type.consultation_wording)
    if rollback_type.consultation == RollbackType.Consultation.NOTIFY_AFTER:
        return f"Notify {who.lower()} after"
    return f"{who} {rollback_type.get_consultation_display()}"


def escalation_cell(decision: DecisionAuthority) -> str:
    if decision.escalation_role is None:
        return NONE
    who = decision.escalation_role.word(decision.escalation_wording)
    if decision.escalation_kind == DecisionAuthority.EscalationKind.CONSULT:
        return f"{who} (consult)"
    return who


def note(key: str) -> str:
    return PolicyNote.objects.filter(key=key).values_list("text", flat=True).first() or ""


def current_version() -> PolicyVersion | None:
    """The version in force: the latest operational one, else the latest."""
    versions = PolicyVersion.objects.order_by("-date", "-id")
    return versions.filter(status=PolicyVersion.Status.OPERATIONAL).first() or versions.first()


def raci_table() -> Table:
    """D9 §2.1 as a grid: one column per role that has letters, phase rows between activities."""
    entries = list(RaciEntry.objects.select_related("activity", "role"))
    columns = sorted({entry.role for entry in entries}, key=lambda r: (r.position, r.key))
    letters = {(entry.activity_id, entry.role_id): entry.letter for entry in entries}
    table = Table(["Activity", *(role.label for role in columns)], css_class="raci")
    phase = None
    for activity in RaciActivity.objects.all():
        if activity.phase != phase:
            phase = activity.phase
            table.rows.append([f"**{activity.get_phase_display()}**"])
        table.rows.append(
            [activity.name, *(letters.get((activity.pk, role.pk), "") for role in columns)]
        )
    return table


def _roles_section(at: datetime) -> list[Block]:
    blocks: list[Block] = [Heading(2, "1. Role Definitions")]
    for number, category in (("1.1", Role.Category.TECHNICAL), ("1.2", Role.Category.BUSINESS)):
        title = "Technical Roles" if category == Role.Category.TECHNICAL else "Business Roles"
        table = Table(["Role", "Responsibility", "Authority"])
        for role in Role.objects.filter(category=category):
            table.rows.append([f"**{role.name}**", role.responsibility, role.authority])
        blocks += [Heading(3, f"{number} {title}"), table]
    table = Table(["Role", "Primary", "Backup"])
    for role in Role.objects.filter(listed_in_assignments=True):
        assignment = selectors.assignment_at(role.key, at=at)
        primary, backup = (assignment.primary, assignment.backup) if assignment else (None, None)
        table.rows.append([role.name, person(primary), person(backup)])
    return [*blocks, Heading(3, "1.3 Role Assignments"), table]


def _raci_section() -> list[Block]:
    actions = Table(["Action", "Can Execute", "Must Approve", "Must Notify"])
    for action in KillSwitchAction.objects.prefetch_related("roles__role"):
        duty = KillSwitchActionRole.Duty
        actions.rows.append(
            [
                action.name,
                joined(action.mentions(duty.EXECUTE), " + "),
                joined(action.mentions(duty.APPROVE), " + "),
                joined(action.mentions(duty.NOTIFY), ", "),
            ]
        )
    return [
        Heading(2, "2. RACI Matrix"),
        Heading(3, "2.1 Ingestion Lifecycle"),
        raci_table(),
        Paragraph("**Legend:** R = Responsible, A = Accountable, C = Consulted, I = Informed"),
        Heading(3, "2.2 Kill-Switch Actions"),
        actions,
    ]


def _checklist(side: str) -> str:
    label = HandoffChecklistItem.Side(side).label
    items = HandoffChecklistItem.objects.filter(side=side)
    return "\n".join([f"{label}:", *(f"□ {item.text}" for item in items)])


def _on_call_section() -> list[Block]:
    tiers = Table(["Tier", "Coverage", "Response Time", "Escalation To"])
    for tier in OnCallTier.objects.select_related("escalates_to"):
        target = tier.escalates_to.word(tier.escalates_to_wording) if tier.escalates_to else NONE
        tiers.rows.append([tier.name, tier.coverage, duration_long(tier.response_minutes), target])
    schedule = Table(["Week", "Primary", "Secondary"])
    rows = rotation_schedule_rows(ROTATION_WEEKS)
    for number in range(1, ROTATION_WEEKS + 1):
        if number <= len(rows):
            schedule.rows.append(list(rows[number - 1]))
        else:
            schedule.rows.append([f"Week {number}", SLOT_BLANK, SLOT_BLANK])
    expectations = Table(["Expectation", "Requirement"])
    for expectation in OnCallExpectation.objects.all():
        expectations.rows.append([expectation.expectation, expectation.requirement])
    checklist = "\n\n".join(_checklist(side) for side in HandoffChecklistItem.Side.values)
    return [
        Heading(2, "3. On-Call Rotation Model"),
        Heading(3, "3.1 Rotation Structure"),
        tiers,
        Heading(3, "3.2 Rotation Schedule"),
        schedule,
        Paragraph(f"**Rotation cadence:** {note('rotation_cadence')}"),
        Heading(3, "3.3 Handoff Checklist"),
        Code(checklist),
        Heading(3, "3.4 On-Call Expectations"),
        expectations,
    ]


def escalation_table() -> Table:
    """D9 §4.2: one column per distinct minute of the ladder ("0-15 min" ... "60+ min")."""
    steps = list(EscalationStep.objects.select_related("severity", "role"))
    minutes = sorted({step.at_minute for step in steps})
    headers = [f"{start}-{end} min" for start, end in zip(minutes, minutes[1:], strict=False)]
    if minutes:
        headers.append(f"{minutes[-1]}+ min")
    table = Table(["Severity", *headers])
    for severity in Severity.objects.all():
        cells = []
        for minute in minutes:
            texts = [
                s.cell_text()
                for s in steps
                if s.severity_id == severity.pk and s.at_minute == minute
            ]
            cells.append(" + ".join(texts) or NONE)
        table.rows.append([f"**{severity.key}**", *cells])
    return table


def _escalation_section() -> list[Block]:
    severities = Table(["Severity", "Criteria", "Examples"])
    for severity in Severity.objects.all():
        severities.rows.append([f"**{severity.key}**", severity.criteria, severity.examples])
    contacts = Table(["Role", "Primary Contact", "Backup Contact"])
    for contact in EscalationContact.objects.select_related("role"):
        contacts.rows.append(
            [
                contact.role.label,
                contact_cell(contact.primary_channel, contact.primary_value),
                contact_cell(contact.backup_channel, contact.backup_value),
            ]
        )
    return [
        Heading(2, "4. Incident Escalation Ladder"),
        Heading(3, "4.1 Severity Definitions"),
        severities,
        Heading(3, "4.2 Escalation Timeline"),
        escalation_table(),
        Heading(3, "4.3 Escalation Paths"),
        Code(note("escalation_paths")),
        Heading(3, "4.4 Escalation Contacts"),
        contacts,
    ]


def _kill_switch_section() -> list[Block]:
    scenarios = Table(["Scenario", "Who Can Activate", "Approval Required", "Notification"])
    for scenario in KillSwitchScenario.objects.select_related("activator", "approver", "notify"):
        scenarios.rows.append(
            [
                scenario.name,
                scenario.activator.word(scenario.activator_wording),
                approval_cell(scenario),
                notification_cell(scenario),
            ]
        )
    log = Table(["Field", "Required"])
    for log_field in ActivationLogField.objects.all():
        log.rows.append([log_field.name, "Yes" if log_field.required else "No"])
    resume = Table(["Deactivation Scope", "Resume Authority", "Verification Required"])
    for authority in ResumeAuthority.objects.prefetch_related("roles__role", "verifications"):
        resume.rows.append(
            [
                authority.scope,
                joined(authority.roles.all(), " + "),
                joined(authority.verifications.all(), " + "),
            ]
        )
    return [
        Heading(2, "5. Kill-Switch Ownership & Approval"),
        Heading(3, "5.1 Kill-Switch Authority Matrix"),
        scenarios,
        Heading(3, "5.2 Kill-Switch Activation Log"),
        log,
        Paragraph(f"**Log location:** {note('activation_log_location')}"),
        Heading(3, "5.3 Kill-Switch Resume Authority"),
        resume,
    ]


def _ga_requirements() -> str:
    lines = ["GA APPROVAL REQUIRES ALL:", ""]
    for confirmation in GaConfirmation.objects.select_related("role"):
        lines += [
            f"□ {confirmation.role.name} sign-off",
            f"  └── Confirms: {confirmation.statement}",
            "",
        ]
    return "\n".join([*lines, "ANY SINGLE VETO BLOCKS GA"])


def _rollback_form() -> str:
    reasons = [
        f"□ {reason.text}: {NAME_BLANK}" if reason.free_text else f"□ {reason.text}"
        for reason in RollbackReason.objects.all()
    ]
    return "\n".join(
        [
            "ROLLBACK SIGN-OFF FORM",
            "──────────────────────",
            "",
            "Date: ____________",
            "Time: ____________",
            "",
            "Rolled back from: P___",
            "Rolled back to: P___",
            "",
            "Reason:",
            *reasons,
            "",
            f"Authorized by: {NAME_BLANK} (Role: _________)",
            f"Approved by: {NAME_BLANK} (Role: _________)",
            "",
            "Next steps:",
            f"□ Investigation assigned to: {NAME_BLANK}",
            f"□ Re-ramp target date: {NAME_BLANK}",
            "□ Client communication: □ Required □ Not required",
        ]
    )


def _sign_off_section() -> list[Block]:
    gates = Table(["Gate", "Required Approvers", "Veto Power"])
    for gate in PhaseGate.objects.prefetch_related("approvers__role"):
        gates.rows.append([str(gate), joined(gate.approvers.all(), ", "), gate.get_veto_display()])
    rollbacks = Table(["Rollback Type", "Decision Maker", "Consultation"])
    for rollback_type in RollbackType.objects.select_related("consultation_role").prefetch_related(
        "decision_makers__role"
    ):
        makers = joined(rollback_type.decision_makers.all(), " + ")
        if rollback_type.immediate:
            makers = f"{makers} (immediate)"
        rollbacks.rows.append([rollback_type.name, makers, consultation_cell(rollback_type)])
    return [
        Heading(2, "6. GA and Rollback Sign-Off Authority"),
        Heading(3, "6.1 Phase Gate Approvers"),
        gates,
        Heading(3, "6.2 GA Sign-Off Requirements"),
        Code(_ga_requirements()),
        Heading(3, "6.3 Rollback Authority"),
        rollbacks,
        Heading(3, "6.4 Rollback Sign-Off"),
        Code(_rollback_form()),
    ]


def _communication_section() -> list[Block]:
    rules = CommunicationRule.objects.select_related("owner").prefetch_related("approvers__role")
    internal = Table(["Event", "Owner", "Channel", "Timing"])
    external = Table(["Event", "Owner", "Approval", "Channel"])
    for rule in rules:
        owner = rule.owner.word(rule.owner_wording)
        if rule.audience == CommunicationRule.Audience.INTERNAL:
            internal.rows.append([rule.event, owner, rule.channel, rule.timing_text()])
        else:
            external.rows.append(
                [rule.event, owner, joined(rule.approvers.all(), " + "), rule.channel]
            )
    blocks: list[Block] = [
        Heading(2, "7. Communication Responsibilities"),
        Heading(3, "7.1 Internal Communication"),
        internal,
        Heading(3, "7.2 External Communication"),
        external,
        Heading(3, "7.3 Communication Templates"),
    ]
    for template in MessageTemplate.objects.all():
        blocks.append(Code(template.body, caption=f"**{template.title}:**"))
    return blocks


def _decision_section() -> list[Block]:
    decisions = Table(["Decision", "Primary Authority", "Escalation"])
    for decision in DecisionAuthority.objects.select_related("escalation_role").prefetch_related(
        "authorities__role"
    ):
        decisions.rows.append(
            [
                decision.decision,
                joined(decision.authorities.all(), " + "),
                escalation_cell(decision),
            ]
        )
    return [Heading(2, "8. Decision Authority Summary"), decisions]


def _document_control_section() -> list[Block]:
    """D9 §9: the published versions (a draft joins once approved, see
    `governance.rollout.publish_policy_version`) and the approvals of the version in force."""
    versions = Table(["Version", "Date", "Change"])
    for version in PolicyVersion.objects.exclude(status=PolicyVersion.Status.DRAFT):
        versions.rows.append([version.version, version.date.isoformat(), version.change_summary])
    approvals = Table(["Role", "Approval", "Date"])
    current = current_version()
    if current is not None:
        for approval in current.approvals.select_related("role", "approver"):
            approvals.rows.append(
                [
                    approval.role.name,
                    person(approval.approver) if approval.approver else "",
                    approval.approved_on.isoformat() if approval.approved_on else "",
                ]
            )
    return [Heading(2, "9. Document Control"), versions, Rule(), approvals]


def _readings_section() -> list[Block]:
    """Issue 12 point 14: the readings the portal applies where D9 is ambiguous. Not part of
    D9 itself; printed after it so the Owner sees how the rules are applied."""
    rows = Table(["Where", "How the portal reads it"])
    rows.rows = [[reading.sections, reading.text] for reading in READINGS]
    return [Heading(2, READINGS_HEADING), rows]


def policy_blocks(*, at: datetime | None = None) -> list[Block]:
    """The whole D9 document as blocks, with the people and contacts in force at `at`."""
    at = at or timezone.now()
    version = current_version()
    header = []
    if version is not None:
        header = [
            Paragraph(
                f"**Version:** {version.version}\n"
                f"**Date:** {version.date.isoformat()}\n"
                f"**Status:** {version.get_status_display()}\n"
                f"**Prerequisites:** {version.prerequisites}"
            )
        ]
    sections = [
        _roles_section(at),
        _raci_section(),
        _on_call_section(),
        _escalation_section(),
        _kill_switch_section(),
        _sign_off_section(),
        _communication_section(),
        _decision_section(),
        _document_control_section(),
        _readings_section(),
    ]
    blocks: list[Block] = [Heading(1, TITLE), *header]
    for section in sections:
        blocks += [Rule(), *section]
    return blocks


def _markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _markdown_table(table: Table) -> str:
    separator = "|" + "|".join("---" for _ in table.header) + "|"
    lines = [_markdown_row(table.header), separator]
    return "\n".join(lines + [_markdown_row(row) for row in table.rows])


def to_markdown(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Table):
            parts.append(_markdown_table(block))
        elif isinstance(block, Code):
            code = f"```\n{block.text}\n```"
            parts.append(f"{block.caption}\n{code}" if block.caption else code)
        else:
            parts.append("---")
    return "\n\n".join(parts) + "\n"


def render_policy_markdown(*, at: datetime | None = None) -> str:
    """D9 as Markdown from the database (`manage.py render_policy`, the `.md` download)."""
    return to_markdown(policy_blocks(at=at))


def inline_html(text: str) -> SafeString:
    """Escape a cell or paragraph and turn its **bold** and line breaks into HTML."""
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", str(escape(text)))
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308 (escaped above)


def to_html_blocks(blocks: list[Block]) -> list[dict]:
    """Blocks as simple dicts for the policy page template (text already escaped)."""
    items = []
    for block in blocks:
        if isinstance(block, Heading):
            items.append({"kind": "heading", "level": block.level, "text": block.text})
        elif isinstance(block, Paragraph):
            items.append({"kind": "paragraph", "html": inline_html(block.text)})
        elif isinstance(block, Table):
            rows = []
            for row in block.rows:
                if len(row) == 1 and len(block.header) > 1:
                    rows.append({"group": inline_html(row[0]), "span": len(block.header)})
                else:
                    rows.append({"cells": [inline_html(cell) for cell in row]})
            items.append(
                {"kind": "table", "header": block.header, "rows": rows, "css": block.css_class}
            )
        elif isinstance(block, Code):
            caption = inline_html(block.caption) if block.caption else ""
            items.append({"kind": "code", "text": block.text, "caption": caption})
        else:
            items.append({"kind": "rule"})
    return items
