"""Dashboard card of the rollout: its current phase and open gate review (D9 §6); my waiting
sign-offs are on the home's "Waiting on you"."""

from django import template

from governance.rollout import services as rollout

register = template.Library()


@register.inclusion_tag("governance/rollout/card.html", takes_context=True)
def rollout_card(context):
    current = rollout.current_rollout()
    return {
        "rollout": current,
        "open_advance": rollout.open_advance(current),
    }
