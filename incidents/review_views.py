"""The post-incident review page (D9 §2.1) and its forms: contributing factors, action items
(follow-up tickets), filing and the Owner's sign-off. Views validate and call `incidents.reviews`;
refusals come back in words (403 page for PermissionDenied, the page with form errors for bad
input)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import authority
from governance.core.refusals import add_refusal_to_form
from governance.models import ApprovalRequest
from incidents import reviews, selectors
from incidents.forms import ActionItemForm, FactorForm, ReviewForm, SignOffForm
from incidents.models import FollowUpTicket, PostIncidentReview


def _review(request, pk: int) -> PostIncidentReview:
    incident = selectors.get_incident_for_user(request.user, pk)
    review = get_object_or_404(
        PostIncidentReview.objects.select_related(
            "accountable", "responsible", "filed_by", "signed_off_by"
        ),
        incident=incident,
    )
    review.incident = incident
    return review


def _page(request, review: PostIncidentReview, *, forms=None, status: int = 200):
    forms = forms or {}
    incident = review.incident
    sign_off = reviews.sign_off_request(review)
    events_page, events = selectors.timeline_page(incident, request.GET.get("timeline"))
    context = {
        "incident": incident,
        "review": review,
        "events": events,
        "events_page": events_page,
        "factors": list(review.factors.select_related("added_by")),
        "action_items": [
            (ticket, may_close)
            for ticket, may_close in selectors.follow_up_tickets(incident, request.user)
            if ticket.review_id == review.pk
        ],
        "today": timezone.localdate(),
        "sign_off": sign_off,
        "sign_off_decisions": list(sign_off.decisions.select_related("person", "role"))
        if sign_off
        else [],
        "may_edit": authority.decide(request.user, "incident.review.edit", obj=review),
        "may_sign_off": bool(
            sign_off
            and sign_off.status == ApprovalRequest.Status.PENDING
            and authority.decide(request.user, "incident.review.sign_off", obj=review)
        ),
        "factor_form": forms.get("factor") or FactorForm(),
        "action_form": forms.get("action") or ActionItemForm(),
        "file_form": forms.get("file") or ReviewForm(initial={"summary": review.summary}),
        "sign_off_form": forms.get("sign_off") or SignOffForm(),
    }
    return render(request, "incidents/review.html", context, status=status)


@login_required
def review_page(request, pk: int):
    return _page(request, _review(request, pk))


@login_required
@require_POST
def add_factor(request, pk: int):
    review = _review(request, pk)
    authority.require(request.user, "incident.review.edit", obj=review)
    form = FactorForm(request.POST)
    if form.is_valid():
        try:
            reviews.add_contributing_factor(review=review, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            messages.success(request, "Contributing factor added.")
            return redirect(review)
    return _page(request, review, forms={"factor": form}, status=400)


@login_required
@require_POST
def add_action(request, pk: int):
    review = _review(request, pk)
    authority.require(request.user, "incident.review.edit", obj=review)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            ticket = reviews.add_action_item(review=review, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            messages.success(request, f"Action item added as follow-up ticket #{ticket.pk}.")
            return redirect(review)
    return _page(request, review, forms={"action": form}, status=400)


@login_required
@require_POST
def file(request, pk: int):
    review = _review(request, pk)
    authority.require(request.user, "incident.review.file", obj=review)
    form = ReviewForm(request.POST)
    if form.is_valid():
        reviews.file_review(review=review, actor=request.user, **form.cleaned_data)
        messages.success(request, "Post-incident review filed; the Owner is asked to sign it off.")
        return redirect(review)
    return _page(request, review, forms={"file": form}, status=400)


@login_required
@require_POST
def sign_off(request, pk: int):
    review = _review(request, pk)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            reviews.decide_sign_off(review=review, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            review.refresh_from_db()
            messages.success(
                request,
                "Review signed off." if review.signed_off_at else "Review sent back for rework.",
            )
            return redirect(review)
    return _page(request, review, forms={"sign_off": form}, status=400)


@login_required
@require_POST
def close_follow_up(request, pk: int, ticket_pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    ticket = get_object_or_404(FollowUpTicket, pk=ticket_pk, incident=incident)
    reviews.close_follow_up(ticket=ticket, actor=request.user)
    messages.success(request, f"Follow-up ticket #{ticket.pk} closed.")
    return redirect(request.POST.get("next") == "review" and ticket.review or incident)
