"""Dashboard cards of the kill switch: its state and the overdue approvals; `approval_url`.

My own pending approvals are on the home's "Waiting on you" (governance/portal/home.py)."""

from django import template
from django.utils import timezone

from governance.approvals import services as approvals
from governance.models import KillSwitchActivation

register = template.Library()


# The dashboard's kill-switch card names the first this many pauses in force; the rest are a
# link away on the kill-switch page (issue 16: one card, not one line per paused workspace).
LIVE_SHOWN = 10


@register.inclusion_tag("governance/killswitch/dashboard_cards.html", takes_context=True)
def kill_switch_cards(context):
    now = timezone.now()
    live = (
        KillSwitchActivation.objects.filter(status__in=KillSwitchActivation.LIVE)
        .select_related("scenario", "workspace", "activated_by", "severity")
        .order_by("-activated_at", "-id")
    )
    return {
        "live": list(live[:LIVE_SHOWN]),
        "live_total": live.count(),
        "overdue": approvals.overdue_requirements(now=now)[:20],
    }


@register.filter
def approval_url(request) -> str:
    """`{{ request|approval_url }}`: the page where this approval request is decided."""
    return approvals.approval_url(request)
