"""How this portal reads D9 where the document is ambiguous (issue 12 point 14).

One list, printed by `render_policy` and the policy page (a section after §9) and listed by
`validate_policy` (as notes), so the readings the code applies are written down where the Owner
reads the policy. Each entry names the D9 sections it reads; keep it true when a rule changes.
"""

from dataclasses import dataclass

HEADING = "How this portal reads D9"


@dataclass(frozen=True)
class Reading:
    sections: str
    text: str


READINGS = (
    Reading(
        "§3.1 beside §4.2",
        "An unacknowledged incident runs two tracks: its severity's §4.2 ladder (frozen when it "
        "opens) and the §3.1 response track, each tier's response time after the previous "
        "tier's (secondary at 15 min, Ingestion Owner at 45, SRE Lead at 105). Acknowledging "
        "stops the §3.1 track; the ladder's own steps still fire. Nobody is paged twice.",
    ),
    Reading(
        "§6.1 gate approvers",
        "The requester of a gate review who holds one of its approver roles gives that role's "
        "sign-off by asking (for GA, by confirming the role's §6.2 statement); the other roles "
        "sign. Nobody approves their own request otherwise.",
    ),
    Reading(
        "§2.2 vs §5.3 resume",
        "§2.2 lets the On-Call resume with the Owner's approval; §5.3 gives the authority by what "
        "is lifted. The portal applies §5.3 (the more specific row); the resumer's own §5.3 roles "
        "count as given, the others approve, and §2.2's notification of the PM still applies.",
    ),
    Reading(
        "§1.3, §3.1 who decides",
        "A pending approval is addressed to a role, not a person: whoever holds the role when "
        "deciding decides — the primary, the backup while the primary is marked unavailable, or "
        "a successor after a hand-over. The decision records which.",
    ),
    Reading(
        "§3.1 approval deadlines",
        "Where D9 names no deadline (pause > 1 hour, global disable, gate, GA and other "
        "sign-offs), the approver's §3.1 response time applies (Ingestion Owner: 1 hour); a "
        "role §3.1 does not list answers like the last tier (1 hour), editable per role. Past "
        "the deadline the role's backup is asked and may decide.",
    ),
    Reading(
        "§1.3, §4.2 nobody else to decide",
        "When the requester is the only holder of the approving role (the Owner's own pause "
        "outliving an hour), the request goes at once to the role's backup, or, with no backup, "
        "to the next role of the §4.2 P1 ladder (Ingestion Owner → SRE Lead); the §5.2 log names "
        "who was asked.",
    ),
    Reading(
        "§6.1, §6.2 vetoes",
        "A veto blocks until its author withdraws it; the withdrawal puts what it blocked back "
        "to pending (a pause awaits its approval again, a review its sign-offs), unless that can "
        "no longer be (the scope was paused again since), when the withdrawal is refused. A "
        "rejected swap stays rejected (§3.2: ask for a new swap).",
    ),
    Reading(
        "§5.3 Rollback resume",
        "A rollback (§6.3/§6.4) taken while a pause is in force makes its resume the §5.3 "
        "“Rollback” row (Ingestion Owner + PM). “Full P0 revalidation” is the §2.1 Pre-Launch and "
        "Launch checks done again (Day-0 checklist, Feature flag config, Enable kill-switch, Test "
        "upload), each recorded by the Owner or the PM; after an emergency rollback to P0, no "
        "phase advances until they are.",
    ),
    Reading(
        "§5.1 PM (24h advance)",
        "A planned-maintenance pause starts only if the PM approved at least 24 hours before its "
        "start; a later approval does not start it. The Owner may reschedule it, and the PM is "
        "asked again for the new time.",
    ),
)
