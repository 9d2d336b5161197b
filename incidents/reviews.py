"""The structured post-incident review (D9 §2.1 "Post-incident review": Owner A, On-Call R).

Resolving a P1 (or an incident marked for one) opens its review, due the severity's policy
number of working days later (`Severity.review_due_working_days`). The Responsible writes its
contributing factors and action items — each action item is a follow-up ticket of the incident
with an owner and a due date — and files its summary; filing asks the Accountable (the Owner)
for a sign-off through the one approval mechanism (kind `incident.review_sign_off`), whose
quorum records the sign-off and whose veto sends the review back to be reworked. An open
review past its date mails the Owner once (`chase_overdue_reviews`, run by the duties chase).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance import authority
from governance.approvals import kinds
from governance.approvals import services as approvals
from governance.core.history import save_with_history as _save
from governance.models import ApprovalDecision, ApprovalRequest, RaciEntry
from governance.notifications.outbox import notify
from incidents import escalation
from incidents.authority import review_roles
from incidents.models import (
    ContributingFactor,
    FollowUpTicket,
    Incident,
    IncidentEvent,
    IncidentStep,
    PostIncidentReview,
)
from incidents.workdays import add_working_days, working_day_start

ROW = "D9 §2.1 Post-incident review"


def review_url(request: ApprovalRequest) -> str:
    """A review's sign-off is decided on the review's page."""
    review = PostIncidentReview.objects.get(pk=request.object_id)
    return reverse("incidents:review_page", args=[review.incident_id])


SIGN_OFF = kinds.register(
    "incident.review_sign_off", url=review_url, label="Sign-off of a post-incident review"
)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else "nobody"


def _event(incident: Incident, text: str, *, actor, at: datetime.datetime) -> None:
    IncidentEvent.objects.create(
        incident=incident, kind=IncidentEvent.Kind.REVIEW, text=text, actor=actor, at=at
    )


def _lock(review: PostIncidentReview) -> PostIncidentReview:
    return (
        PostIncidentReview.objects.select_for_update(of=("self",))
        .select_related("incident__severity")
        .get(pk=review.pk)
    )


def review_due_on(incident: Incident, *, at: datetime.datetime) -> datetime.date:
    """D9 §2.1: the review is due the severity's policy number of working days after `at`."""
    return add_working_days(timezone.localdate(at), incident.severity.review_due_working_days)


def open_review(*, incident: Incident, actor, at: datetime.datetime) -> PostIncidentReview:
    """Open the review of a resolved incident (D9 §2.1: the Owner Accountable, the On-Call who
    handled it Responsible), tell both and schedule its reminders. Runs in the caller's
    transaction (`services.resolve`)."""
    owner = next(iter(authority.holders("ingestion_owner", at=at)), None)
    responsible = incident.acknowledged_by or incident.on_call_primary or actor
    days = incident.severity.review_due_working_days
    due_on = review_due_on(incident, at=at)
    review = PostIncidentReview(
        incident=incident, accountable=owner, responsible=responsible, due_on=due_on
    )
    _save(review, actor=actor, reason=f"{ROW} opened")
    # One working day before the deadline, then every working day until the summary is filed.
    first = working_day_start(add_working_days(timezone.localdate(at), max(days - 1, 0)))
    escalation.schedule_review_reminder(incident, number=1, due_at=max(first, at))
    for person in {p for p in (owner, responsible) if p is not None}:
        notify(
            person,
            "incident-reminder",
            {"incident": incident, "what": "review_opened", "review": review},
            f"incident:{incident.pk}:review-opened:{person.pk}",
        )
    _event(
        incident,
        f"Post-incident review due {due_on:%d %b %Y}: {_name(owner)} accountable, "
        f"{_name(responsible)} responsible (D9 §2.1).",
        actor=actor,
        at=at,
    )
    return review


def add_contributing_factor(
    *, review: PostIncidentReview, actor, description: str, at: datetime.datetime | None = None
) -> ContributingFactor:
    """D9 §2.1 "Post-incident review": the review names what contributed to the incident.
    Only while the review is open, by those who may file it."""
    now = at or timezone.now()
    authority.require(actor, "incident.review.edit", obj=review, at=now)
    if not description.strip():
        raise ValidationError({"description": "Describe the contributing factor."})
    with transaction.atomic():
        review = _lock(review)
        authority.require(actor, "incident.review.edit", obj=review, at=now)
        factor = ContributingFactor(
            review=review, description=description.strip(), added_at=now, added_by=actor
        )
        _save(factor, actor=actor, reason=f"{ROW}: contributing factor")
    return factor


def add_action_item(
    *,
    review: PostIncidentReview,
    actor,
    summary: str,
    assignee,
    due_on: datetime.date | None,
    at: datetime.datetime | None = None,
) -> FollowUpTicket:
    """D9 §2.1 "Post-incident review": an action item with an owner and a due date becomes a
    follow-up ticket of the incident, assigned to its owner (who is mailed)."""
    now = at or timezone.now()
    authority.require(actor, "incident.review.edit", obj=review, at=now)
    errors = {}
    if not summary.strip():
        errors["summary"] = "Say what is to be done."
    if assignee is None or not assignee.is_active:
        errors["assignee"] = "Choose the active person who owns the action."
    if due_on is None:
        errors["due_on"] = "Give the date the action is due."
    elif due_on < timezone.localdate(now):
        errors["due_on"] = "The due date is in the past; choose today or later."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = _lock(review)
        authority.require(actor, "incident.review.edit", obj=review, at=now)
        ticket = FollowUpTicket(
            incident=review.incident,
            review=review,
            created_at=now,
            created_by=actor,
            assignee=assignee,
            summary=summary.strip()[:300],
            due_on=due_on,
        )
        _save(ticket, actor=actor, reason=f"{ROW}: action item")
        notify(
            assignee,
            "incident-reminder",
            {"incident": review.incident, "what": "action_item", "ticket": ticket},
            f"incident:{review.incident_id}:action-item:{ticket.pk}",
        )
        _event(
            review.incident,
            f"Action item → follow-up ticket #{ticket.pk} for {_name(assignee)}, due "
            f"{due_on:%d %b %Y}: {ticket.summary}",
            actor=actor,
            at=now,
        )
    return ticket


def close_follow_up(
    *, ticket: FollowUpTicket, actor, at: datetime.datetime | None = None
) -> FollowUpTicket:
    """Close a follow-up ticket: its assignee, or the review's Accountable/Responsible roles."""
    now = at or timezone.now()
    authority.require(actor, "incident.follow_up.close", obj=ticket, at=now)
    with transaction.atomic():
        ticket = FollowUpTicket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.closed_at:
            return ticket
        ticket.closed_at = now
        ticket.closed_by = actor
        _save(ticket, actor=actor, reason="Follow-up ticket closed")
        _event(
            ticket.incident,
            f"Follow-up ticket #{ticket.pk} closed by {_name(actor)}.",
            actor=actor,
            at=now,
        )
    return ticket


def file_review(
    *, review: PostIncidentReview, actor, summary: str, at: datetime.datetime | None = None
) -> PostIncidentReview:
    """D9 §2.1 "Post-incident review": filed with its summary (the reminders stop), then the
    Accountable role is asked to sign it off (one approval request, addressed to the Owner)."""
    now = at or timezone.now()
    authority.require(actor, "incident.review.file", obj=review, at=now)
    if not summary.strip():
        raise ValidationError({"summary": "File the review's summary."})
    with transaction.atomic():
        review = _lock(review)
        if review.status == PostIncidentReview.Status.DONE:
            return review
        review.summary = summary.strip()
        review.status = PostIncidentReview.Status.DONE
        review.filed_at = now
        review.filed_by = actor
        _save(review, actor=actor, reason="Review summary filed")
        escalation.cancel_steps(review.incident, kinds=[IncidentStep.Kind.REVIEW], at=now)
        previous = sign_off_request(review)
        if previous is not None and previous.status == ApprovalRequest.Status.VETOED:
            approvals.cancel_request(
                request=previous, actor=actor, reason="Review reworked and filed again", at=now
            )
        approvals.request_approval(
            kind=SIGN_OFF,
            target=review,
            title=f"Sign off the post-incident review of incident #{review.incident_id}",
            # The review is the Responsible's work: they ask; the Accountable decides.
            requester=review.responsible or actor,
            requirements=[
                authority.Requirement(key, None, f"{ROW} (A)")
                for key in sorted(review_roles(RaciEntry.Letter.ACCOUNTABLE))
            ],
            at=now,
        )
        _event(
            review.incident,
            f"Post-incident review filed by {_name(actor)}; awaiting the Owner's sign-off.",
            actor=actor,
            at=now,
        )
    return review


def sign_off_request(review: PostIncidentReview) -> ApprovalRequest | None:
    """The latest sign-off request of `review`."""
    return approvals.request_for(kind=SIGN_OFF, target=review)


def decide_sign_off(
    *,
    review: PostIncidentReview,
    actor,
    verdict: str,
    statement: str = "",
    at: datetime.datetime | None = None,
) -> ApprovalDecision:
    """The Owner signs the filed review off (approve) or sends it back (veto, with the reason),
    through `decide_approval` like every other decision."""
    request = sign_off_request(review)
    if request is None or request.status != ApprovalRequest.Status.PENDING:
        raise PermissionDenied("This review has no sign-off waiting.")
    if verdict == ApprovalDecision.Verdict.APPROVE and not statement.strip():
        statement = "Signed off."
    return approvals.decide_approval(
        request=request, actor=actor, verdict=verdict, statement=statement, at=at
    )


@kinds.before_decide(SIGN_OFF)
def check_sign_off(request: ApprovalRequest, *, actor, verdict, statement, confirmed, at) -> str:
    """D9 §2.1: only the Accountable role decides a filed review, never its Responsible — on
    every door (the review page, `/approvals/<id>/decide/`, the admin)."""
    review = PostIncidentReview.objects.get(pk=request.object_id)
    authority.require(actor, "incident.review.sign_off", obj=review, at=at)
    if verdict == ApprovalDecision.Verdict.VETO and not statement:
        raise ValidationError({"statement": "Say what the review must rework."})
    return statement


@kinds.on_quorum(SIGN_OFF)
def _signed_off(request: ApprovalRequest, *, actor, at) -> None:
    review = _lock(PostIncidentReview(pk=request.object_id))
    review.signed_off_at = at
    review.signed_off_by = actor
    _save(review, actor=actor, reason=f"{ROW}: signed off by the Accountable")
    _event(
        review.incident, f"Post-incident review signed off by {_name(actor)}.", actor=actor, at=at
    )


@kinds.on_veto(SIGN_OFF)
def _sent_back(request: ApprovalRequest, *, actor, at) -> None:
    """A veto reopens the review for rework; filing it again asks for a new sign-off."""
    review = _lock(PostIncidentReview(pk=request.object_id))
    review.status = PostIncidentReview.Status.OPEN
    _save(review, actor=actor, reason=f"{ROW}: sent back by the Accountable")
    reason = request.decisions.order_by("-decided_at", "-id").first().statement
    _event(
        review.incident,
        f"Post-incident review sent back by {_name(actor)}: {reason}",
        actor=actor,
        at=at,
    )


@kinds.on_reopen(SIGN_OFF)
def _veto_withdrawn(request: ApprovalRequest, *, actor, at) -> None:
    """The last veto withdrawn: the review is the filed one again, awaiting the sign-off, so
    the request and the review never disagree (issue 12 point 3)."""
    review = _lock(PostIncidentReview(pk=request.object_id))
    review.status = PostIncidentReview.Status.DONE
    _save(review, actor=actor, reason=f"{ROW}: veto withdrawn, awaiting the sign-off again")
    _event(
        review.incident,
        f"{_name(actor)} withdrew the veto; the review awaits the Owner's sign-off again.",
        actor=actor,
        at=at,
    )


def chase_overdue_reviews(*, now: datetime.datetime) -> int:
    """D9 §2.1: an open review past its due date mails its Accountable (the Owner holding the
    role now when the review names nobody) once; returns how many were chased."""
    today = timezone.localdate(now)
    with transaction.atomic():
        overdue = list(
            PostIncidentReview.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("incident__severity", "accountable", "responsible")
            .filter(
                status=PostIncidentReview.Status.OPEN,
                due_on__lt=today,
                overdue_chased_at__isnull=True,
            )
            .order_by("due_on", "id")
        )
        owners = list(authority.holders("ingestion_owner", at=now)) if overdue else []
        for review in overdue:
            review.overdue_chased_at = now
            _save(review, actor=None, reason=f"{ROW}: overdue, Owner reminded", validate=False)
            for person in [review.accountable] if review.accountable else owners:
                notify(
                    person,
                    "incident-reminder",
                    {"incident": review.incident, "what": "review_overdue", "review": review},
                    f"incident:{review.incident_id}:review-overdue:{person.pk}",
                )
            _event(
                review.incident,
                f"Post-incident review overdue since {review.due_on:%d %b %Y}: the Owner is "
                "reminded (D9 §2.1).",
                actor=None,
                at=now,
            )
    return len(overdue)
