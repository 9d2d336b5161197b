"""Template tags other apps' pages use to show incidents (the dashboard card)."""

from django import template

from incidents.selectors import open_incidents

register = template.Library()


@register.inclusion_tag("incidents/dashboard_card.html")
def open_incidents_card():
    """The dashboard's "Open incidents" card."""
    return {"open_incidents": open_incidents()}
