"""The portal menu: `{% nav_links as links %}` lists what this person may open."""

from django import template
from django.urls import reverse

from governance import authority

register = template.Library()

# (label, URL name, engine action that must allow it or None for every signed-in user)
NAV = [
    ("Home", "dashboard", None),
    ("Policy", "policy", None),
    ("Policy drafts", "whatif:list", "policy.publish"),
    ("Rotations", "rotations:list", None),
    ("My shifts", "rotations:my_shifts", None),
    ("Swaps", "rotations:swaps", None),
    ("Incidents", "incidents:list", None),
    ("Kill switch", "killswitch:overview", None),
    ("Who may?", "who_may", None),
    ("Duties", "duties:list", None),
    ("Launch", "launch:list", None),
    ("Compliance", "compliance:report", "compliance.read"),
    ("Rollout", "rollout:overview", None),
    ("My sign-offs", "rollout:inbox", None),
]


@register.simple_tag(takes_context=True)
def nav_links(context) -> list[dict]:
    """The menu entries this person may open: a restricted page is listed only when the
    authority engine allows its action (so a link never leads to a refusal)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    links = []
    for label, name, action in NAV:
        if action and not authority.decide(user, action):
            continue
        links.append({"label": label, "url": reverse(name)})
    if user.is_staff:
        links.append({"label": "Admin", "url": reverse("admin:index")})
    path = request.path
    best = max(
        (link for link in links if link["url"] != "/" and path.startswith(link["url"])),
        key=lambda link: len(link["url"]),
        default=None,
    )
    for link in links:
        link["current"] = link is best or (path == "/" and link["url"] == "/")
    return links
