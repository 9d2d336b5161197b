"""The Atom feed of published client communications (Django's syndication framework), one
for every workspace (`/status/feed.atom`) and one per workspace: an entry per publication."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from incidents.status import links
from incidents.status.selectors import StatusView


class StatusFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, view: StatusView):
        return view

    def title(self, view: StatusView) -> str:
        scope = f" — {view.workspace.name}" if view.workspace else ""
        return f"{settings.STATUS_PAGE_NAME}{scope}"

    def link(self, view: StatusView) -> str:
        return links.status_url(_page_path(view))

    def subtitle(self, view: StatusView) -> str:
        return f"Incidents and their updates, as published ({view.state_text.lower()} now)."

    def items(self, view: StatusView) -> list:
        entries = [
            (incident, update)
            for incident in view.active + view.history
            for update in incident.updates
        ]
        return sorted(entries, key=lambda entry: entry[1].at, reverse=True)

    def item_title(self, item) -> str:
        incident, update = item
        return f"{update.status_label}: {incident.name}"

    def item_description(self, item) -> str:
        return item[1].body

    def item_link(self, item) -> str:
        return links.status_url(f"/status/#incident-{item[0].id}")

    def item_guid(self, item) -> str:
        return links.status_url(f"/status/#update-{item[1].id}")

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item[1].at

    def item_updateddate(self, item):
        return item[1].at


def _page_path(view: StatusView) -> str:
    return f"/status/{view.workspace.slug}/" if view.workspace else "/status/"
