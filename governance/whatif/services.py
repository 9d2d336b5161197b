"""Policy what-if (D9 §9): what a draft would have done to the last weeks, and proposing it
with that report attached to its approval request."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance import authority
from governance.models import PolicyDraft, PolicyVersion
from governance.policy import drafts
from governance.rollout.services import publish_policy_version
from governance.whatif.replay import Difference, Figures, Policy, differences, load_facts, replay

DEFAULT_WINDOW = datetime.timedelta(days=30)
LONGEST_WINDOW = datetime.timedelta(days=366)
# The attached report keeps this many individual differences (the count is always complete).
ATTACHED_DIFFERENCES = 500


@dataclass
class WhatIf:
    """Live and draft figures over one window, and the events that differ."""

    draft: PolicyDraft
    start: datetime.datetime
    end: datetime.datetime
    live: Figures
    proposed: Figures
    differences: list[Difference]
    table_diff: list

    def rows(self) -> list[dict]:
        """The figures side by side: one row per figure, live and draft."""
        live, draft = self.live, self.proposed
        rows = [
            ("Incidents replayed", live.incidents, draft.incidents),
            ("Kill-switch pauses replayed", live.pauses, draft.pauses),
            ("Pages", live.pages, draft.pages),
        ]
        for name in sorted(live.pages_by_person.keys() | draft.pages_by_person.keys()):
            rows.append(
                (f"Pages to {name}", live.pages_by_person[name], draft.pages_by_person[name])
            )
        for name in sorted(live.pages_by_tier.keys() | draft.pages_by_tier.keys()):
            rows.append((f"Pages as {name}", live.pages_by_tier[name], draft.pages_by_tier[name]))
        rows.append(("Night pages (22:00–07:00)", live.night_pages, draft.night_pages))
        for level in sorted(live.escalations.keys() | draft.escalations.keys()):
            rows.append(
                (f"Escalation reached: {level}", live.escalations[level], draft.escalations[level])
            )
        rows += [
            ("Approvals required (D9 §5.1)", live.approvals_required, draft.approvals_required),
            ("Approvals overdue", live.approvals_overdue, draft.approvals_overdue),
            ("Approvals refused", live.approvals_refused, draft.approvals_refused),
            ("Update reminders (D9 §7.1)", live.update_reminders, draft.update_reminders),
            (
                "Compliance: acknowledged within the Primary's response time",
                _ratio(live.acks_in_time, live.response_minutes),
                _ratio(draft.acks_in_time, draft.response_minutes),
            ),
            (
                "Compliance: updates within the cadence",
                _ratio(live.updates_in_slot, live.cadence_minutes),
                _ratio(draft.updates_in_slot, draft.cadence_minutes),
            ),
            (
                "Compliance: approvals by their deadline",
                _ratio(live.approvals_in_time),
                _ratio(draft.approvals_in_time),
            ),
        ]
        return [
            {"figure": figure, "live": a, "draft": b, "differs": a != b} for figure, a, b in rows
        ]

    def as_json(self, *, limit: int | None = None) -> dict:
        """The report as plain data: what `policy_whatif --json` prints and the approval keeps."""
        shown = self.differences if limit is None else self.differences[:limit]
        return {
            "draft": self.draft.pk,
            "title": self.draft.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "window": f"{timezone.localtime(self.start):%Y-%m-%d %H:%M} – "
            f"{timezone.localtime(self.end):%Y-%m-%d %H:%M %Z}",
            "figures": self.rows(),
            "differences_total": len(self.differences),
            "differences": [
                {
                    "record": d.event.record,
                    "id": d.event.record_id,
                    "url": d.url,
                    "what": d.event.label,
                    "person": d.event.person,
                    "change": d.change,
                }
                for d in shown
            ],
            "tables": [
                {
                    "table": t.name,
                    "changed": [
                        {"row": c.text, "fields": [list(f) for f in c.fields]} for c in t.changed
                    ],
                    "added": [c.text for c in t.added],
                    "removed": [c.text for c in t.removed],
                }
                for t in self.table_diff
            ],
        }


def _ratio(ratio, minutes: int | None = None) -> str:
    within = f" ({minutes} min)" if minutes is not None else ""
    if not ratio.total:
        return f"—{within}"
    return f"{ratio.good}/{ratio.total} ({ratio.percent}%){within}"


def window(
    *, since: datetime.date | None, at: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """[since, at): the last 30 days by default, at most a year, in the portal's zone."""
    if since is None:
        return at - DEFAULT_WINDOW, at
    start = datetime.datetime.combine(since, datetime.time(), timezone.get_current_timezone())
    if start >= at:
        raise ValidationError({"since": "The window must start in the past."})
    if at - start > LONGEST_WINDOW:
        raise ValidationError({"since": "Replay at most one year."})
    return start, at


def what_if(*, draft: PolicyDraft, since: datetime.date | None = None, at=None) -> WhatIf:
    """D9 §9: replay the window's recorded facts under the live tables and under `draft`,
    with the live rules' own code. A selector: reads only, sends nothing (pages ask
    `may_draft` first; the command is an operator's)."""
    at = at or timezone.now()
    start, end = window(since=since, at=at)
    facts = load_facts(start=start, end=end, now=at)
    live_tables = drafts.live_tables()
    live = replay(Policy.from_tables(live_tables, facts.roles), facts)
    proposed = replay(Policy.from_tables(draft.tables, facts.roles), facts)
    return WhatIf(
        draft=draft,
        start=start,
        end=end,
        live=live,
        proposed=proposed,
        differences=differences(live, proposed),
        table_diff=drafts.diff(draft.tables, live_tables),
    )


def publish_draft(
    *,
    actor,
    draft: PolicyDraft,
    version: str,
    date: datetime.date,
    change_summary: str,
    since: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> PolicyVersion:
    """D9 §9: propose the draft as a new version through document control, its what-if
    report (figures and differences, table diff) attached, so the approvers sign with the
    consequences in front of them. The draft's rows reach the live tables on approval."""
    at = at or timezone.now()
    if draft.status != PolicyDraft.Status.OPEN:
        raise ValidationError(f"Draft #{draft.pk} was already proposed.")
    authority.require(actor, drafts.DRAFT_ACTION, at=at)
    report = what_if(draft=draft, since=since, at=at)
    if not report.table_diff:
        raise ValidationError("The draft changes nothing in the live policy.")
    with transaction.atomic():
        draft.report = report.as_json(limit=ATTACHED_DIFFERENCES)
        return publish_policy_version(
            actor=actor,
            version=version,
            date=date,
            change_summary=change_summary,
            policy_draft=draft,
            at=at,
        )
