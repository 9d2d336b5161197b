"""Seed the D9 v1.0 policy (docs: spec/D9-roles-ownership-on-call.md): every table, every row.

Hand-written and reversible. Uses the historical models only; each seeded row also gets a "+"
history record, so the admin's history of any row starts at the seed.
"""

import datetime

from django.db import migrations
from django.utils import timezone

SEED_REASON = "D9 v1.0 seed"

# key, name, label, short_name, category, notion, responsibility, authority, listed in §1.3
ROLES = [
    (
        "ingestion_owner",
        "Ingestion Owner",
        "Ingestion Owner",
        "Owner",
        "technical",
        "assigned",
        "End-to-end ingestion system health",
        "Kill-switch, rollback, GA sign-off",
        True,
    ),
    (
        "on_call_primary",
        "On-Call Primary",
        "On-Call Primary",
        "Primary",
        "technical",
        "rotation",
        "First responder for incidents",
        "Pause, escalate, page secondary",
        False,
    ),
    (
        "on_call_secondary",
        "On-Call Secondary",
        "On-Call Secondary",
        "Secondary",
        "technical",
        "rotation",
        "Backup responder, escalation point",
        "All primary authorities",
        False,
    ),
    ("on_call", "On-Call", "On-Call", "On-Call", "collective", "on_call", "", "", False),
    (
        "sre_lead",
        "SRE Lead",
        "SRE Lead",
        "SRE",
        "technical",
        "assigned",
        "Infrastructure, monitoring, capacity",
        "Circuit breaker reset, infra changes",
        True,
    ),
    (
        "database_owner",
        "Database Owner",
        "Database Owner",
        "Database Owner",
        "technical",
        "assigned",
        "Schema, queries, performance",
        "Query optimization, index changes",
        True,
    ),
    (
        "product_manager",
        "Product Manager",
        "PM",
        "PM",
        "business",
        "assigned",
        "Feature prioritization, client comms",
        "GA approval, client escalation",
        True,
    ),
    (
        "support_lead",
        "Support Lead",
        "Support",
        "Support",
        "business",
        "assigned",
        "Client-facing issue triage",
        "Ticket escalation, client updates",
        True,
    ),
    (
        "account_manager",
        "Account Manager",
        "Account Manager",
        "Account Manager",
        "business",
        "assigned",
        "Client relationship",
        "Client communication approval",
        False,
    ),
    ("anyone", "Anyone", "Anyone", "Anyone", "collective", "anyone", "", "", False),
    (
        "all_stakeholders",
        "All stakeholders",
        "All stakeholders",
        "All",
        "collective",
        "all_stakeholders",
        "",
        "",
        False,
    ),
]

RACI_COLUMNS = ["ingestion_owner", "on_call", "sre_lead", "product_manager", "support_lead"]
# phase, key, activity, letters in RACI_COLUMNS order (D9 §2.1)
RACI = [
    ("pre_launch", "day_0_checklist", "Day-0 checklist", "ARCII"),
    ("pre_launch", "go_no_go_decision", "Go/No-Go decision", "ACCRI"),
    ("pre_launch", "feature_flag_config", "Feature flag config", "ARCII"),
    ("launch", "enable_kill_switch", "Enable kill-switch", "ARIII"),
    ("launch", "test_upload", "Test upload", "RRIII"),
    ("launch", "launch_announcement", "Launch announcement", "AIIRC"),
    ("steady_state", "hourly_monitoring", "Hourly monitoring", "IRCII"),
    ("steady_state", "daily_health_review", "Daily health review", "ARCII"),
    ("steady_state", "metrics_review", "Metrics review", "ACRII"),
    ("incidents", "acknowledge_alert", "Acknowledge alert", "IRCII"),
    ("incidents", "pause_decision", "Pause decision", "ARCII"),
    ("incidents", "rollback_decision", "Rollback decision", "ARCCI"),
    ("incidents", "client_communication", "Client communication", "CIIAR"),
    ("incidents", "post_incident_review", "Post-incident review", "ARCCI"),
    ("ga", "ga_criteria_review", "GA criteria review", "ACRRI"),
    ("ga", "ga_sign_off", "GA sign-off", "AIRRI"),
    ("ga", "ga_announcement", "GA announcement", "IIIAR"),
]

# key, name, min minutes, max minutes, [(duty, role, wording)] (D9 §2.2)
KILL_SWITCH_ACTIONS = [
    (
        "pause_short",
        "Pause (< 1 hour)",
        None,
        60,
        [("execute", "on_call", "label"), ("notify", "ingestion_owner", "label")],
    ),
    (
        "pause_long",
        "Pause (> 1 hour)",
        60,
        None,
        [
            ("execute", "on_call", "label"),
            ("approve", "ingestion_owner", "label"),
            ("notify", "product_manager", "label"),
        ],
    ),
    (
        "resume",
        "Resume",
        None,
        None,
        [
            ("execute", "on_call", "label"),
            ("approve", "ingestion_owner", "label"),
            ("notify", "product_manager", "label"),
        ],
    ),
    (
        "rollback",
        "Rollback",
        None,
        None,
        [
            ("execute", "on_call", "label"),
            ("approve", "ingestion_owner", "label"),
            ("notify", "product_manager", "label"),
            ("notify", "sre_lead", "label"),
        ],
    ),
    (
        "global_disable",
        "Global disable",
        None,
        None,
        [
            ("execute", "on_call", "label"),
            ("approve", "ingestion_owner", "label"),
            ("approve", "sre_lead", "label"),
            ("notify", "all_stakeholders", "label"),
        ],
    ),
]

# key, name, role, coverage, response minutes, escalates to, wording (D9 §3.1)
TIERS = [
    ("primary", "Primary", "on_call_primary", "24/7", 15, "on_call_secondary", "short"),
    ("secondary", "Secondary", "on_call_secondary", "24/7", 30, "ingestion_owner", "label"),
    (
        "ingestion_owner",
        "Ingestion Owner",
        "ingestion_owner",
        "Business hours + on-call",
        60,
        "sre_lead",
        "label",
    ),
]

HANDOFF = {
    "outgoing": [
        "Update #ingestion-rollout with status summary",
        "Document any ongoing issues",
        "Confirm incoming on-call is available",
        "Transfer pager/alert routing",
    ],
    "incoming": [
        "Review last 24h of alerts",
        "Check current system status",
        "Verify pager/alert receipt",
        "Confirm contact info current",
    ],
}

EXPECTATIONS = [
    ("Availability", "Reachable within 15 min"),
    ("Laptop access", "Required during on-call"),
    ("VPN/access", "Pre-verified before shift"),
    ("Runbook familiarity", "D8 reviewed before first shift"),
    ("Escalation comfort", "Escalate early, not late"),
]

SEVERITIES = [
    (
        "P1",
        "System down, data at risk, all clients affected",
        "Circuit breaker OPEN > 5 min, data corruption, global failure",
    ),
    (
        "P2",
        "Major degradation, multiple clients affected",
        "Error rate > 20%, workspace-wide failures",
    ),
    ("P3", "Minor issue, single client or limited impact", "Single upload stuck, isolated errors"),
]

# severity: [(minute, role, wording, action, show action, if unresolved)] (D9 §4.2)
ESCALATION = {
    "P1": [
        (0, "on_call_primary", "short", "acks", True, False),
        (15, "on_call_secondary", "short", "joins", True, False),
        (30, "ingestion_owner", "label", "joins", True, False),
        (60, "sre_lead", "label", "notified", False, False),
        (60, "product_manager", "label", "notified", False, False),
    ],
    "P2": [
        (0, "on_call_primary", "short", "acks", True, False),
        (15, "on_call_primary", "short", "investigates", True, False),
        (30, "on_call_secondary", "short", "notified", True, False),
        (60, "ingestion_owner", "label", "notified", False, True),
    ],
    "P3": [
        (0, "on_call_primary", "short", "acks", True, False),
        (15, "on_call_primary", "short", "resolves", True, False),
        (60, None, "short", "ticket", True, True),
    ],
}

# role, primary channel, backup channel (D9 §4.4; values are the blanks)
CONTACTS = [
    ("on_call_primary", "pager", "phone"),
    ("on_call_secondary", "pager", "phone"),
    ("ingestion_owner", "phone", "slack_dm"),
    ("sre_lead", "phone", "slack_dm"),
    ("product_manager", "slack", "email"),
]

# key, scenario, activator, activate first, approver, approval timing, approval minutes,
# notify, notify timing, notify minutes (D9 §5.1; all roles in their short wording)
SCENARIOS = [
    (
        "data_corruption",
        "Suspected data corruption",
        "anyone",
        True,
        None,
        "none",
        None,
        "all_stakeholders",
        "immediate",
        None,
    ),
    (
        "error_rate_20",
        "Error rate > 20%",
        "on_call",
        True,
        None,
        "none",
        None,
        "ingestion_owner",
        "within",
        5,
    ),
    (
        "error_rate_10",
        "Error rate > 10%",
        "on_call",
        False,
        "ingestion_owner",
        "within",
        15,
        "product_manager",
        "within",
        15,
    ),
    (
        "planned_maintenance",
        "Planned maintenance",
        "ingestion_owner",
        False,
        "product_manager",
        "advance",
        1440,
        "all_stakeholders",
        "advance",
        1440,
    ),
    (
        "client_request",
        "Client request",
        "ingestion_owner",
        False,
        "product_manager",
        "none",
        None,
        "support_lead",
        "immediate",
        None,
    ),
]

LOG_FIELDS = [
    ("timestamp", "Timestamp"),
    ("activated_by", "Activated by"),
    ("reason", "Reason"),
    ("severity", "Severity"),
    ("scope", "Scope (global/workspace)"),
    ("approval", "Approval (if required)"),
    ("notification_sent_to", "Notification sent to"),
]

# key, scope, roles, verifications (D9 §5.3)
RESUME = [
    ("pause_short", "< 1 hour pause", ["on_call"], ["Test upload passes"]),
    ("pause_long", "> 1 hour pause", ["ingestion_owner"], ["Test upload", "metrics check"]),
    ("rollback", "Rollback", ["ingestion_owner", "product_manager"], ["Full P0 revalidation"]),
    (
        "data_integrity",
        "Data integrity event",
        ["ingestion_owner", "sre_lead", "product_manager"],
        ["Investigation complete"],
    ),
]

# from, to, milestone, approvers (D9 §6.1)
GATES = [
    ("P0", "P1", "", ["ingestion_owner"]),
    ("P1", "P2", "", ["ingestion_owner", "product_manager"]),
    ("P2", "P3", "", ["ingestion_owner", "product_manager"]),
    ("P3", "P4", "GA", ["ingestion_owner", "product_manager", "sre_lead"]),
]

GA_CONFIRMATIONS = [
    ("ingestion_owner", "Technical criteria met, system stable"),
    ("product_manager", "Client feedback acceptable, no blockers"),
    ("sre_lead", "Infra stable, monitoring adequate, on-call trained"),
]

# key, type, immediate, decision makers, consultation role, consultation (D9 §6.3)
ROLLBACK_TYPES = [
    (
        "emergency",
        "Emergency (data at risk)",
        True,
        ["on_call"],
        "all_stakeholders",
        "notify_after",
    ),
    (
        "p1_incident",
        "P1 incident",
        False,
        ["on_call", "ingestion_owner"],
        "product_manager",
        "informed",
    ),
    ("planned", "Planned (bug found)", False, ["ingestion_owner"], "product_manager", "approval"),
    (
        "client_request",
        "Client request",
        False,
        ["ingestion_owner", "product_manager"],
        "support_lead",
        "informed",
    ),
]

ROLLBACK_REASONS = [
    ("Error rate exceeded threshold", False),
    ("Data integrity concern", False),
    ("Client-reported issue", False),
    ("Infrastructure issue", False),
    ("Other", True),
]

# key, audience, event, owner, owner wording, approvers [(role, wording)], channel, timing,
# cadence minutes (D9 §7.1, §7.2)
COMMUNICATIONS = [
    (
        "phase_start",
        "internal",
        "Phase start",
        "ingestion_owner",
        "label",
        [],
        "#ingestion-rollout",
        "At start",
        None,
    ),
    (
        "phase_gate_review",
        "internal",
        "Phase gate review",
        "ingestion_owner",
        "label",
        [],
        "Meeting",
        "Scheduled",
        None,
    ),
    (
        "incident_start",
        "internal",
        "Incident start",
        "on_call",
        "label",
        [],
        "#ingestion-rollout",
        "Immediate",
        None,
    ),
    (
        "incident_update",
        "internal",
        "Incident update",
        "on_call",
        "label",
        [],
        "#ingestion-rollout",
        "",
        30,
    ),
    (
        "incident_resolved",
        "internal",
        "Incident resolved",
        "on_call",
        "label",
        [],
        "#ingestion-rollout",
        "At resolution",
        None,
    ),
    (
        "ga_declaration",
        "internal",
        "GA declaration",
        "product_manager",
        "label",
        [],
        "#general + email",
        "At approval",
        None,
    ),
    (
        "canary_invitation",
        "external",
        "Canary invitation",
        "product_manager",
        "label",
        [],
        "Direct email",
        "",
        None,
    ),
    (
        "beta_announcement",
        "external",
        "Beta announcement",
        "product_manager",
        "label",
        [],
        "In-app",
        "",
        None,
    ),
    (
        "incident_client_facing",
        "external",
        "Incident (client-facing)",
        "support_lead",
        "label",
        [("product_manager", "label")],
        "Status page + email",
        "",
        None,
    ),
    (
        "ga_announcement",
        "external",
        "GA announcement",
        "product_manager",
        "label",
        [],
        "Blog + email",
        "",
        None,
    ),
    (
        "outage_communication",
        "external",
        "Outage communication",
        "support_lead",
        "label",
        [("product_manager", "label"), ("ingestion_owner", "short")],
        "Status page",
        "",
        None,
    ),
]

# key, title, body, fields (D9 §7.3, printed exactly)
TEMPLATES = [
    (
        "incident_start",
        "Incident Start",
        "🔴 INCIDENT: Ingestion [P1/P2/P3]\n"
        "Time: [timestamp]\n"
        "Impact: [brief description]\n"
        "Status: Investigating\n"
        "On-Call: [name]\n"
        "Next update: [time]",
        ["P1/P2/P3", "timestamp", "brief description", "name", "time"],
    ),
    (
        "incident_update",
        "Incident Update",
        "🟡 UPDATE: Ingestion [P1/P2/P3]\n"
        "Time: [timestamp]\n"
        "Status: [investigating/mitigating/resolved]\n"
        "Findings: [brief]\n"
        "Next steps: [action]\n"
        "Next update: [time]",
        ["P1/P2/P3", "timestamp", "investigating/mitigating/resolved", "brief", "action", "time"],
    ),
    (
        "incident_resolved",
        "Incident Resolved",
        "🟢 RESOLVED: Ingestion [P1/P2/P3]\n"
        "Time: [timestamp]\n"
        "Duration: [X hours Y minutes]\n"
        "Root cause: [brief]\n"
        "Resolution: [what fixed it]\n"
        "Follow-up: [post-incident scheduled Y/N]",
        [
            "P1/P2/P3",
            "timestamp",
            "X hours Y minutes",
            "brief",
            "what fixed it",
            "post-incident scheduled Y/N",
        ],
    ),
]

# key, decision, authorities [(role, wording)], escalation role, wording, kind (D9 §8)
DECISIONS = [
    (
        "pause_ingestion",
        "Pause ingestion",
        [("on_call", "label")],
        "ingestion_owner",
        "short",
        "escalate",
    ),
    (
        "resume_ingestion",
        "Resume ingestion",
        [("ingestion_owner", "short")],
        None,
        "short",
        "escalate",
    ),
    (
        "rollback_phase",
        "Rollback phase",
        [("ingestion_owner", "short")],
        "product_manager",
        "short",
        "consult",
    ),
    (
        "advance_phase",
        "Advance phase",
        [("ingestion_owner", "short"), ("product_manager", "short")],
        None,
        "short",
        "escalate",
    ),
    (
        "ga_declaration",
        "GA declaration",
        [("ingestion_owner", "short"), ("product_manager", "short"), ("sre_lead", "short")],
        None,
        "short",
        "escalate",
    ),
    (
        "client_communication",
        "Client communication",
        [("product_manager", "short")],
        None,
        "short",
        "escalate",
    ),
    (
        "schema_change",
        "Schema change",
        [("database_owner", "label")],
        "ingestion_owner",
        "short",
        "consult",
    ),
    (
        "infra_change",
        "Infra change",
        [("sre_lead", "label")],
        "ingestion_owner",
        "short",
        "consult",
    ),
]

VERSION = ("1.0", datetime.date(2024, 12, 29), "Initial model", "operational", "D8 (Runbook)")
DOCUMENT_APPROVERS = ["ingestion_owner", "sre_lead", "product_manager"]

ESCALATION_PATHS = (
    "P1 ESCALATION PATH\n"
    "──────────────────\n"
    "\n"
    "Alert fires\n"
    "    │\n"
    "    ▼\n"
    "Primary On-Call (15 min)\n"
    "    │\n"
    "    ├── Cannot resolve ──▶ Page Secondary\n"
    "    │                          │\n"
    "    │                          ▼\n"
    "    │                     Secondary joins (15 min)\n"
    "    │                          │\n"
    "    │                          ├── Cannot resolve ──▶ Page Ingestion Owner\n"
    "    │                          │                          │\n"
    "    │                          │                          ▼\n"
    "    │                          │                     Owner joins (30 min)\n"
    "    │                          │                          │\n"
    "    │                          │                          └── SRE Lead + PM (60 min)\n"
    "    │                          │\n"
    "    │                          └── Resolved ──▶ Post-incident\n"
    "    │\n"
    "    └── Resolved ──▶ Document + close\n"
    "\n"
    "\n"
    "P2/P3 ESCALATION PATH\n"
    "─────────────────────\n"
    "\n"
    "Alert fires\n"
    "    │\n"
    "    ▼\n"
    "Primary On-Call\n"
    "    │\n"
    "    ├── P2: Notify Secondary, continue investigating\n"
    "    │       └── Escalate to Owner if unresolved > 1 hour\n"
    "    │\n"
    "    └── P3: Resolve or ticket\n"
    "            └── No escalation unless client-facing"
)

NOTES = [
    ("rotation_cadence", "Rotation cadence", "Weekly, handoff Monday 09:00 local time"),
    ("activation_log_location", "Log location", "#ingestion-rollout + incident doc"),
    ("escalation_paths", "Escalation paths (D9 §4.3)", ESCALATION_PATHS),
]

# Children before parents, so the reverse can delete in this order.
SEEDED_MODELS = [
    "DocumentApproval",
    "PolicyVersion",
    "PolicyNote",
    "DecisionAuthorityRole",
    "DecisionAuthority",
    "MessageTemplate",
    "CommunicationApprover",
    "CommunicationRule",
    "RollbackReason",
    "RollbackDecisionMaker",
    "RollbackType",
    "GaConfirmation",
    "PhaseGateApprover",
    "PhaseGate",
    "ResumeVerification",
    "ResumeAuthorityRole",
    "ResumeAuthority",
    "ActivationLogField",
    "KillSwitchScenario",
    "EscalationContact",
    "EscalationStep",
    "Severity",
    "OnCallExpectation",
    "HandoffChecklistItem",
    "OnCallTier",
    "KillSwitchActionRole",
    "KillSwitchAction",
    "RaciEntry",
    "RaciActivity",
    "RoleAssignment",
    "Role",
]


def seed_d9(apps, schema_editor):
    now = timezone.now()

    def create(model_name, **fields):
        model = apps.get_model("governance", model_name)
        obj = model.objects.create(**fields)
        history = apps.get_model("governance", f"Historical{model_name}")
        history.objects.create(
            history_date=now,
            history_type="+",
            history_change_reason=SEED_REASON,
            **{field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields},
        )
        return obj

    roles = {}
    for position, row in enumerate(ROLES, start=1):
        key, name, label, short, category, notion, responsibility, authority, listed = row
        roles[key] = create(
            "Role",
            key=key,
            name=name,
            label=label,
            short_name=short,
            category=category,
            notion=notion,
            responsibility=responsibility,
            authority=authority,
            listed_in_assignments=listed,
            position=position * 10,
        )

    for position, (phase, key, name, letters) in enumerate(RACI, start=1):
        # D9 v1.0 names no Accountable role for "Test upload"; kept as printed, marked waived.
        activity = create(
            "RaciActivity",
            key=key,
            phase=phase,
            name=name,
            position=position,
            accountable_waived="A" not in letters,
        )
        for role_key, letter in zip(RACI_COLUMNS, letters, strict=True):
            create("RaciEntry", activity=activity, role=roles[role_key], letter=letter)

    for position, (key, name, minimum, maximum, mentions) in enumerate(KILL_SWITCH_ACTIONS, 1):
        action = create(
            "KillSwitchAction",
            key=key,
            name=name,
            min_duration_minutes=minimum,
            max_duration_minutes=maximum,
            position=position,
        )
        for order, (duty, role_key, wording) in enumerate(mentions, start=1):
            create(
                "KillSwitchActionRole",
                action=action,
                duty=duty,
                role=roles[role_key],
                wording=wording,
                position=order,
            )

    for position, (key, name, role, coverage, minutes, target, wording) in enumerate(TIERS, 1):
        create(
            "OnCallTier",
            key=key,
            name=name,
            role=roles[role],
            coverage=coverage,
            response_minutes=minutes,
            escalates_to=roles[target],
            escalates_to_wording=wording,
            position=position,
        )

    for side, items in HANDOFF.items():
        for position, text in enumerate(items, start=1):
            create("HandoffChecklistItem", side=side, text=text, position=position)

    for position, (expectation, requirement) in enumerate(EXPECTATIONS, start=1):
        create(
            "OnCallExpectation",
            expectation=expectation,
            requirement=requirement,
            position=position,
        )

    for position, (key, criteria, examples) in enumerate(SEVERITIES, start=1):
        severity = create(
            "Severity", key=key, criteria=criteria, examples=examples, position=position
        )
        for order, step in enumerate(ESCALATION[key], start=1):
            minute, role_key, wording, action, show_action, if_unresolved = step
            create(
                "EscalationStep",
                severity=severity,
                position=order,
                at_minute=minute,
                role=roles[role_key] if role_key else None,
                wording=wording,
                action=action,
                show_action=show_action,
                if_unresolved=if_unresolved,
            )

    for position, (role_key, primary_channel, backup_channel) in enumerate(CONTACTS, start=1):
        create(
            "EscalationContact",
            role=roles[role_key],
            primary_channel=primary_channel,
            backup_channel=backup_channel,
            position=position,
        )

    for position, row in enumerate(SCENARIOS, start=1):
        key, name, activator, first, approver, a_timing, a_minutes, notify, n_timing, n_minutes = (
            row
        )
        create(
            "KillSwitchScenario",
            key=key,
            name=name,
            activator=roles[activator],
            activator_wording="short",
            activate_first=first,
            approver=roles[approver] if approver else None,
            approver_wording="short",
            approval_timing=a_timing,
            approval_minutes=a_minutes,
            notify=roles[notify],
            notify_wording="short",
            notify_timing=n_timing,
            notify_minutes=n_minutes,
            position=position,
        )

    for position, (key, name) in enumerate(LOG_FIELDS, start=1):
        create("ActivationLogField", key=key, name=name, required=True, position=position)

    for position, (key, scope, role_keys, verifications) in enumerate(RESUME, start=1):
        resume = create("ResumeAuthority", key=key, scope=scope, position=position)
        for order, role_key in enumerate(role_keys, start=1):
            create(
                "ResumeAuthorityRole",
                resume=resume,
                role=roles[role_key],
                wording="label",
                position=order,
            )
        for order, text in enumerate(verifications, start=1):
            create("ResumeVerification", resume=resume, text=text, position=order)

    for from_phase, to_phase, milestone, role_keys in GATES:
        gate = create(
            "PhaseGate",
            from_phase=from_phase,
            to_phase=to_phase,
            milestone=milestone,
            veto="any_approver",
        )
        for order, role_key in enumerate(role_keys, start=1):
            create(
                "PhaseGateApprover",
                gate=gate,
                role=roles[role_key],
                wording="label",
                position=order,
            )

    for position, (role_key, statement) in enumerate(GA_CONFIRMATIONS, start=1):
        create("GaConfirmation", role=roles[role_key], statement=statement, position=position)

    for position, row in enumerate(ROLLBACK_TYPES, start=1):
        key, name, immediate, makers, consulted, consultation = row
        rollback_type = create(
            "RollbackType",
            key=key,
            name=name,
            immediate=immediate,
            consultation_role=roles[consulted],
            consultation_wording="short",
            consultation=consultation,
            position=position,
        )
        for order, role_key in enumerate(makers, start=1):
            create(
                "RollbackDecisionMaker",
                rollback_type=rollback_type,
                role=roles[role_key],
                wording="short",
                position=order,
            )

    for position, (text, free_text) in enumerate(ROLLBACK_REASONS, start=1):
        create("RollbackReason", text=text, free_text=free_text, position=position)

    for position, row in enumerate(COMMUNICATIONS, start=1):
        key, audience, event, owner, wording, approvers, channel, timing, cadence = row
        rule = create(
            "CommunicationRule",
            key=key,
            audience=audience,
            event=event,
            owner=roles[owner],
            owner_wording=wording,
            channel=channel,
            timing=timing,
            cadence_minutes=cadence,
            position=position,
        )
        for order, (role_key, approver_wording) in enumerate(approvers, start=1):
            create(
                "CommunicationApprover",
                rule=rule,
                role=roles[role_key],
                wording=approver_wording,
                position=order,
            )

    for position, (key, title, body, fields) in enumerate(TEMPLATES, start=1):
        create("MessageTemplate", key=key, title=title, body=body, fields=fields, position=position)

    for position, row in enumerate(DECISIONS, start=1):
        key, decision, authorities, escalation, escalation_wording, kind = row
        authority = create(
            "DecisionAuthority",
            key=key,
            decision=decision,
            escalation_role=roles[escalation] if escalation else None,
            escalation_wording=escalation_wording,
            escalation_kind=kind,
            position=position,
        )
        for order, (role_key, wording) in enumerate(authorities, start=1):
            create(
                "DecisionAuthorityRole",
                decision=authority,
                role=roles[role_key],
                wording=wording,
                position=order,
            )

    number, date, change, status, prerequisites = VERSION
    version = create(
        "PolicyVersion",
        version=number,
        date=date,
        change_summary=change,
        status=status,
        prerequisites=prerequisites,
    )
    for position, role_key in enumerate(DOCUMENT_APPROVERS, start=1):
        create("DocumentApproval", version=version, role=roles[role_key], position=position)

    for key, title, text in NOTES:
        create("PolicyNote", key=key, title=title, text=text)


def unseed_d9(apps, schema_editor):
    for model_name in SEEDED_MODELS:
        apps.get_model("governance", model_name).objects.all().delete()
        apps.get_model("governance", f"Historical{model_name}").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_policy_models")]

    operations = [migrations.RunPython(seed_d9, unseed_d9)]
