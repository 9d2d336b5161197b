"""Dashboard cards of the kill switch: its state and the overdue approvals; `approval_url`.

My own pending approvals are on the home's "Waiting on you" (governance/portal/home.py)."""

from django import template
from django.utils import timezone

from governance.approvals import services as approvals
from governance.models import KillSwitchActivation

register = template.Library()


@register.inclusion_tag("governance/killswitch/dashboard_cards.html", takes_context=True)
def kill_switch_cards(context):
    now = timezone.now()
    live = KillSwitchActivation.objects.filter(status__in=KillSwitchActivation.LIVE).select_related(
        "scenario", "workspace", "activated_by", "severity"
    )
    return {
        "live": live,
        "overdue": approvals.overdue_requirements(now=now)[:20],
    }


@register.filter
def approval_url(request) -> str:
    """`{{ request|approval_url }}`: the page where this approval request is decided."""
    return approvals.approval_url(request)
