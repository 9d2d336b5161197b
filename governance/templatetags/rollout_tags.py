"""Dashboard card of the rollout: its current phase and my waiting sign-offs (D9 §6)."""

from django import template

from governance.approvals import services as approvals
from governance.rollout import services as rollout

register = template.Library()


@register.inclusion_tag("governance/rollout/card.html", takes_context=True)
def rollout_card(context):
    user = context["request"].user
    current = rollout.current_rollout()
    return {
        "rollout": current,
        "open_advance": rollout.open_advance(current),
        "waiting": len(approvals.pending_for(user)) if user.is_authenticated else 0,
    }
