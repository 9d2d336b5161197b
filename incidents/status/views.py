"""The public status page, its feeds and the subscription links (issue 21). No login: clients
read these. Pages and feeds are served from the cache with an ETag (`caching.cached_public`);
the forms carry no CSRF token, so the cached pages are the same for everyone — subscribing only
sends a confirmation mail, and confirming or unsubscribing needs a signed link, which is what a
CSRF token would otherwise protect."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.models import Workspace
from incidents.status import selectors, services
from incidents.status.caching import cached_public
from incidents.status.feeds import StatusFeed
from incidents.status.forms import SubscribeForm
from incidents.status.summary import summary as summary_json


def _page_context(**context) -> dict:
    return {
        "page_name": settings.STATUS_PAGE_NAME,
        "logo_url": settings.STATUS_PAGE_LOGO_URL,
        **context,
    }


def _workspace(request, slug: str):
    """The workspace of a per-workspace address, or the status page's own 404 page."""
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        return None, render(
            request,
            "incidents/status/message.html",
            _page_context(
                title="No such status page",
                message=f"There is no status page for “{slug}”. The status of every workspace "
                "is on the main page.",
            ),
            status=404,
        )
    return workspace, None


@require_GET
def status_page(request, slug: str = ""):
    workspace = None
    if slug:
        workspace, missing = _workspace(request, slug)
        if missing:
            return missing

    def build():
        view = selectors.status_view(workspace=workspace)
        return render(
            request,
            "incidents/status/page.html",
            _page_context(view=view, form=SubscribeForm()),
        )

    return cached_public(request, name="page", workspace_slug=slug, build=build)


@require_GET
def feed(request, slug: str = ""):
    workspace = None
    if slug:
        workspace, missing = _workspace(request, slug)
        if missing:
            return missing

    def build():
        return StatusFeed()(request, view=selectors.status_view(workspace=workspace))

    return cached_public(request, name="feed", workspace_slug=slug, build=build)


@require_GET
def summary(request):
    def build():
        return JsonResponse(summary_json(selectors.status_view()))

    return cached_public(request, name="summary", build=build)


@csrf_exempt
@require_POST
def subscribe(request, slug: str = ""):
    workspace = None
    if slug:
        workspace, missing = _workspace(request, slug)
        if missing:
            return missing
    form = SubscribeForm(request.POST)
    if form.is_valid():
        try:
            services.subscribe(email=form.cleaned_data["email"], workspace=workspace)
        except ValidationError as error:
            form.add_error("email", error.message_dict.get("email"))
        else:
            return render(
                request,
                "incidents/status/message.html",
                _page_context(
                    title="Check your inbox",
                    message="We sent a confirmation link to that address. Your subscription "
                    "starts when you follow it.",
                ),
            )
    return render(
        request,
        "incidents/status/subscribe.html",
        _page_context(form=form, workspace=workspace),
        status=400,
    )


def _signed_action(request, *, token: str, act, title: str, question: str, done: str):
    """GET shows a button (mail scanners follow links; they must not act); POST acts. A
    forged or expired link is refused and changes nothing."""
    if request.method == "POST":
        try:
            act(token=token)
        except ValidationError as error:
            return render(
                request,
                "incidents/status/message.html",
                _page_context(title="This link does not work", message=error.messages[0]),
                status=400,
            )
        return render(
            request, "incidents/status/message.html", _page_context(title=title, message=done)
        )
    return render(
        request,
        "incidents/status/confirm.html",
        _page_context(title=title, question=question),
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    return _signed_action(
        request,
        token=token,
        act=services.confirm,
        title="Confirm your subscription",
        question="Receive an email whenever we publish an incident or its update?",
        done="You are subscribed. Every mail has a link to unsubscribe.",
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """Also the RFC 8058 one-click target of the List-Unsubscribe-Post header."""
    return _signed_action(
        request,
        token=token,
        act=services.unsubscribe,
        title="Unsubscribe",
        question="Stop receiving status emails at this address?",
        done="You are unsubscribed; no more status emails go to this address.",
    )
