"""Template tags of incident pages and of other apps' pages showing incidents."""

from django import template

from incidents.selectors import open_incidents

register = template.Library()


@register.inclusion_tag("incidents/dashboard_card.html")
def open_incidents_card():
    """The dashboard's "Open incidents" card."""
    return {"open_incidents": open_incidents()}


@register.inclusion_tag("incidents/_latest_pager.html", takes_context=True)
def latest_pager(context, page, param: str, anchor: str, what: str):
    """Earlier / Later / Latest links of a `selectors.latest_page` page, as plain links (no
    JavaScript): `param` is its query parameter; the page's other parameters are kept, so
    several lists on one page page independently."""
    query = context["request"].GET

    def link(number) -> str:
        params = query.copy()
        if number is None or number == 1:
            params.pop(param, None)
        else:
            params[param] = number
        encoded = params.urlencode()
        return f"?{encoded}#{anchor}" if encoded else f"?#{anchor}"

    return {
        "page": page,
        "what": what,
        "earlier": link(page.next_page_number()) if page.has_next() else "",
        "later": link(page.previous_page_number()) if page.has_previous() else "",
        "latest": link(None) if page.number > 2 else "",
    }
