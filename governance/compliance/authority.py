"""Authority rule of the compliance report (D9 §2.1), registered with the authority engine.

- "compliance.read" (obj: None): the report and its evidence packs are the record the §2.1
  reviews work from (metrics review, post-incident review, GA criteria review), so the roles
  the RACI rows make Responsible, Accountable or Consulted for one of those reviews may read
  them; Informed roles are told the outcome, not handed the records. Read from the RaciEntry
  rows at `at`, so a policy edit changes who may read without a deploy.
"""

from datetime import datetime

from governance import authority
from governance.authority.engine import Decision
from governance.authority.holders import roles_of
from governance.models import RaciEntry

# D9 §2.1 activities whose review reads the compliance report's figures and records.
FED_REVIEWS = ("metrics_review", "post_incident_review", "ga_criteria_review")
READING_LETTERS = ("R", "A", "C")


def reader_roles() -> dict[str, list[str]]:
    """Role key → the fed reviews (activity names) the role is R/A/C for, in D9 order."""
    roles: dict[str, list[str]] = {}
    entries = (
        RaciEntry.objects.filter(activity__key__in=FED_REVIEWS, letter__in=READING_LETTERS)
        .select_related("activity", "role")
        .order_by("activity__position", "role__position")
    )
    for entry in entries:
        roles.setdefault(entry.role.key, []).append(f"{entry.activity.name} ({entry.letter})")
    return roles


@authority.register("compliance.read")
def _read_rule(user, *, action, obj, at: datetime) -> Decision:
    """D9 §2.1: R, A or C for a review the report feeds; administrators keep their access."""
    rows = tuple(f"D9 §2.1 {key}" for key in FED_REVIEWS)
    readers = reader_roles()
    held = roles_of(user, at=at)
    mine = sorted(held & set(readers))
    if mine:
        why = "; ".join(f"{authority.role_name(k)}: {', '.join(readers[k])}" for k in mine)
        return Decision(True, f"D9 §2.1 — {why}.", rows=rows, acting_roles=tuple(mine))
    if user.is_superuser:
        return Decision(True, "Administrators may read every record.", rows=rows)
    return authority.refuse(
        user,
        at,
        readers,
        "read the compliance report (they are Responsible, Accountable or Consulted for the "
        "metrics review, the post-incident review or the GA criteria review, D9 §2.1)",
        rows,
    )
