"""Rotation pages (D9 §3): calendar, my shifts, swaps, handoff checklist, readiness, iCal, API.

Thin callers: forms validate, `rotations.services` decides and writes, `rotations.selectors` reads.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from governance import authority
from governance.approvals import services as approvals
from governance.core import inputs
from governance.core.refusals import report_refusal
from governance.core.status import status_sections
from governance.models import HandoffChecklistItem, OnCallExpectation
from governance.ops.tokens import api_user
from rotations import calendars, month, selectors, services
from rotations.forms import HandoffNotesForm, ReadinessForm, SwapRequestForm
from rotations.models import (
    Handoff,
    PersonalCalendar,
    ReadinessAttestation,
    Rotation,
    RotationPolicy,
    RotationWeek,
    SwapRequest,
    Tier,
)


def get_swap_for_user(user, pk: int) -> SwapRequest:
    """The swap request `pk` if `user` is involved in it (guardian: a party, or asked to approve
    it through the approval mechanism, or holding the approving role now — a backup or a new
    Owner, D9 §1.3), else PermissionDenied."""
    swap = get_object_or_404(
        SwapRequest.objects.select_related("rotation", "requester", "colleague", "decided_by"),
        pk=pk,
    )
    approval = services.swap_approval(swap)
    asked = approval is not None and (
        user.has_perm(approvals.DECIDE_PERMISSION, approval)
        or bool(authority.decide(user, "approval.decide", obj=approval))
    )
    if not (asked or user.has_perm("rotations.view_swaprequest", swap)):
        raise PermissionDenied("Only the people involved in a swap request can see it.")
    return swap


def person_json(user, until) -> dict | None:
    if user is None:
        return None
    return {
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "email": user.email,
        "until": until.isoformat() if until else None,
    }


def on_call_json(on_call: selectors.OnCall) -> dict:
    """The shape shared by `GET /api/oncall/` and `manage.py oncall --json`."""
    return {
        "at": on_call.at.isoformat(),
        "rotation": on_call.rotation.slug if on_call.rotation else None,
        "primary": person_json(on_call.primary, on_call.primary_until),
        "secondary": person_json(on_call.secondary, on_call.secondary_until),
        "ingestion_owner": person_json(on_call.ingestion_owner, None),
    }


@require_GET
def api_oncall(request):
    """GET /api/oncall/[?rotation=slug][&at=ISO]: who is on call, for a session or a token."""
    if api_user(request) is None:
        return JsonResponse({"error": "Log in or send an API token (Bearer)."}, status=401)
    rotation = None
    if request.GET.get("rotation"):
        rotation = Rotation.objects.filter(slug=request.GET["rotation"]).first()
        if rotation is None:
            return JsonResponse({"error": "No rotation with that slug."}, status=404)
    at = inputs.instant(request.GET, "at") or timezone.now()
    return JsonResponse(on_call_json(selectors.on_call_at(at, rotation=rotation)))


def oncall_card_context(*, now: datetime.datetime) -> dict:
    """Context of `rotations/oncall_card.html` on the dashboard."""
    on_call = selectors.on_call_at(now)
    tiers = selectors.tiers()
    rows = []
    for key in selectors.TIER_KEYS:
        tier = tiers.get(key)
        rows.append(
            {
                "name": tier.name if tier else key.replace("_", " ").title(),
                "response_minutes": tier.response_minutes if tier else None,
                "user": on_call.holder(key),
                "until": on_call.until(key),
            }
        )
    return {"oncall": on_call, "oncall_rows": rows}


# The rotations list shows this many per page (issue 16: 2 000 rotations render in pages).
ROTATIONS_PER_PAGE = 50


@login_required
def rotation_list(request):
    """Active rotations, the D9 one first, a page at a time, with who is on call now on each
    shown rotation; ?q= searches names and slugs."""
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.active_rotations(q=q), ROTATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rotations = list(page.object_list)
    on_call = selectors.on_call_of(rotations, at=timezone.now())
    rows = [(rotation, on_call[rotation.pk]) for rotation in rotations]
    return render(request, "rotations/list.html", {"rows": rows, "page": page, "q": q})


# The month grid shows one month by default, up to this many on request (?months=).
MAX_MONTHS = 3


def _months_asked(request, zone) -> tuple[int, int, int]:
    """The (year, month, months) a calendar page shows: ?month=YYYY-MM (default: this month
    in `zone`) and ?months=1..3."""
    year, month_number = inputs.month(request.GET, "month") or (
        timezone.now().astimezone(zone).year,
        timezone.now().astimezone(zone).month,
    )
    months = inputs.integer(request.GET, "months") or 1
    if not 1 <= months <= MAX_MONTHS:
        raise inputs.BadInput("months", f"months: show one to {MAX_MONTHS} months at a time.")
    return year, month_number, months


def _navigation(year: int, month_number: int, months: int) -> dict:
    before = month.month_after(year, month_number, -1)
    after = month.month_after(year, month_number, 1)
    return {
        "previous_month": f"{before[0]:04d}-{before[1]:02d}",
        "next_month": f"{after[0]:04d}-{after[1]:02d}",
        "months_shown": months,
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    }


@login_required
def rotation_calendar(request, slug):
    """The rotation's month grid (D9 §3.2): holders per day, overrides, open swaps, gaps, the
    current week; "ask for cover" and "take this shift" in each week's cell."""
    rotation = get_object_or_404(Rotation, slug=slug)
    now = timezone.now()
    year, month_number, months = _months_asked(request, rotation.zone)
    grids = month.rotation_month(
        rotation, year=year, month=month_number, months=months, user=request.user, now=now
    )
    # D9 §3.2 "Monday 09:00 local time": the page shows the rotation's wall clock.
    with timezone.override(rotation.zone):
        return render(
            request,
            "rotations/calendar.html",
            {
                "rotation": rotation,
                "grids": grids,
                "on_call": selectors.on_call_at(now, rotation=rotation),
                "ical_url": request.build_absolute_uri(calendars.rotation_feed_path(rotation)),
                **_navigation(year, month_number, months),
            },
        )


@login_required
def person_calendar(request):
    """My month grid: the days I hold a tier on any rotation, with "ask for cover"."""
    now = timezone.now()
    year, month_number, months = _months_asked(request, timezone.get_current_timezone())
    grids = month.person_month(request.user, year=year, month=month_number, months=months, now=now)
    return render(
        request,
        "rotations/person_calendar.html",
        {"grids": grids, **_navigation(year, month_number, months)},
    )


@login_required
@require_POST
def take_shift(request, slug):
    """ "Take this shift" from a week's cell: the uncovered part of that week's tier becomes an
    override for me (`services.take_shift` asks the authority engine)."""
    rotation = get_object_or_404(Rotation, slug=slug)
    week_id = inputs.integer(request.POST, "week")
    week = get_object_or_404(
        RotationWeek.objects.select_related("rotation"), pk=week_id, rotation=rotation
    )
    try:
        taken = services.take_shift(
            actor=request.user, week=week, tier=request.POST.get("tier", "")
        )
    except ValidationError as error:
        report_refusal(request, error)
    else:
        stretches = ", ".join(
            f"{o.starts_at.astimezone(rotation.zone):%a %d %b %H:%M} – "
            f"{o.ends_at.astimezone(rotation.zone):%a %d %b %H:%M}"
            for o in taken
        )
        messages.success(request, f"You are On-Call {taken[0].get_tier_display()}: {stretches}.")
    local = week.starts_at.astimezone(rotation.zone)
    return redirect(f"{reverse('rotations:calendar', args=[slug])}?month={local:%Y-%m}")


@login_required
def my_shifts(request):
    now = timezone.now()
    weeks, overrides = selectors.shifts_of(request.user, start=now)
    page = Paginator(weeks, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "rotations/my_shifts.html",
        {
            "page": page,
            "overrides": overrides[:50],
            "unready": services.unready_users([request.user]),
        },
    )


@login_required
def readiness(request):
    expectations = list(OnCallExpectation.objects.all())
    attested = {a.expectation_id: a for a in ReadinessAttestation.objects.filter(user=request.user)}
    form = ReadinessForm(
        request.POST if request.method == "POST" else None, expectations=expectations
    )
    if request.method == "POST" and form.is_valid():
        services.attest_readiness(
            actor=request.user, user=request.user, expectations=form.cleaned_data["expectations"]
        )
        messages.success(request, "Thank you: your on-call readiness is recorded for today.")
        return redirect("rotations:readiness")
    rows = [(e, attested.get(e.pk)) for e in expectations]
    return render(request, "rotations/readiness.html", {"form": form, "rows": rows})


@login_required
def swap_inbox(request):
    swaps = selectors.swaps_for(request.user)
    page = Paginator(swaps, 20).get_page(request.GET.get("page"))
    return render(request, "rotations/swaps.html", {"page": page})


@login_required
def swap_new(request, slug):
    rotation = get_object_or_404(Rotation, slug=slug)
    # "Ask for cover" on My shifts names the week (?week=<pk>); a stale or foreign one is ignored.
    week = rotation.weeks.filter(pk=inputs.integer(request.GET, "week") or 0).first()
    form = SwapRequestForm(
        request.POST if request.method == "POST" else None,
        rotation=rotation,
        user=request.user,
        week=week,
        # A calendar cell also names the tier (?tier=).
        initial={"tier": request.GET["tier"]} if request.GET.get("tier") in Tier.values else {},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            swap = services.request_swap(
                actor=request.user,
                rotation=rotation,
                tier=data["tier"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                colleague=data["colleague"],
                reason=data["reason"],
                return_starts_at=data.get("return_starts_at"),
                return_ends_at=data.get("return_ends_at"),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Request sent to {swap.colleague.get_full_name()}.")
            return redirect("rotations:swap_detail", pk=swap.pk)
    return render(
        request,
        "rotations/swap_new.html",
        {
            "rotation": rotation,
            "form": form,
            "policy_needs_owner": RotationPolicy.current().swaps_need_owner_approval,
        },
    )


@login_required
def swap_detail(request, pk):
    swap = get_swap_for_user(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("accept", "decline"):
                services.respond_swap(actor=request.user, swap=swap, accept=action == "accept")
            elif action in ("approve", "reject"):
                services.approve_swap(actor=request.user, swap=swap, approve=action == "approve")
            elif action == "cancel":
                services.cancel_swap(actor=request.user, swap=swap)
            else:
                raise ValidationError("Unknown action.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Done.")
        return redirect("rotations:swap_detail", pk=swap.pk)
    user = request.user
    swap.refresh_from_db()
    # Buttons only for what the authority engine allows now; the services ask it again.
    can = {
        "respond": swap.status == SwapRequest.Status.PENDING
        and authority.decide(user, "rotations.swap.respond", obj=swap).allowed,
        "approve": swap.status == SwapRequest.Status.ACCEPTED
        and authority.decide(user, "rotations.swap.approve", obj=swap).allowed,
        "cancel": swap.is_open
        and authority.decide(user, "rotations.swap.cancel", obj=swap).allowed,
    }
    # D9 §3.2 "local time": the rotation's wall clock (the date filter converts to the active
    # zone, so the zone is activated rather than the values converted).
    with timezone.override(swap.rotation.zone):
        return render(
            request,
            "rotations/swap_detail.html",
            {
                "swap": swap,
                "can": can,
                "local_start": swap.starts_at,
                "local_end": swap.ends_at,
                "local_return_start": swap.return_starts_at,
                "local_return_end": swap.return_ends_at,
            },
        )


@login_required
def current_handoff(request, slug):
    """The next handoff of a rotation (or the last one, within its first day)."""
    rotation = get_object_or_404(Rotation, slug=slug)
    now = timezone.now()
    handoff = (
        Handoff.objects.filter(rotation=rotation, at__gte=now - datetime.timedelta(days=1))
        .order_by("at")
        .first()
    )
    if handoff is None:
        messages.info(request, "No handoff is scheduled yet; weeks are generated hourly.")
        return redirect("rotations:calendar", slug=slug)
    return redirect("rotations:handoff", pk=handoff.pk)


@login_required
def handoff_detail(request, pk):
    handoff = get_object_or_404(
        Handoff.objects.select_related(
            "rotation",
            "outgoing_primary",
            "outgoing_secondary",
            "incoming_primary",
            "incoming_secondary",
        ),
        pk=pk,
    )
    user = request.user
    notes_form = HandoffNotesForm(instance=handoff)
    if request.method == "POST":
        if "item" in request.POST:
            item_id = inputs.integer(request.POST, "item")
            item = get_object_or_404(HandoffChecklistItem, pk=item_id)
            services.check_item(
                actor=user,
                handoff=handoff,
                item=item,
                checked=request.POST.get("checked") == "1",
            )
            return redirect("rotations:handoff", pk=pk)
        notes_form = HandoffNotesForm(request.POST, instance=handoff)
        if notes_form.is_valid():
            services.update_handoff_notes(
                actor=user,
                handoff=handoff,
                status_summary=notes_form.cleaned_data["status_summary"],
                ongoing_issues=notes_form.cleaned_data["ongoing_issues"],
            )
            messages.success(request, "Handoff notes saved.")
            return redirect("rotations:handoff", pk=pk)
    checks = {c.item_id: c for c in handoff.checks.select_related("checked_by")}
    mine = {
        side: user.pk in {u.pk for u in handoff.people(side)} for side in ("outgoing", "incoming")
    }
    sides = []
    for side, label in HandoffChecklistItem.Side.choices:
        items = [(i, checks.get(i.pk)) for i in HandoffChecklistItem.objects.filter(side=side)]
        sides.append({"key": side, "label": label, "items": items, "mine": mine[side]})
    # D9 §3.2 "local time": the page shows the rotation's wall clock.
    with timezone.override(handoff.rotation.zone):
        return render(
            request,
            "rotations/handoff.html",
            {
                "handoff": handoff,
                "local_at": handoff.at,
                "sides": sides,
                "notes_form": notes_form,
                "can_write_notes": mine["outgoing"] or mine["incoming"],
                # D9 §3.3 "Check current system status": what the incoming pair takes over.
                "status_sections": status_sections(at=timezone.now()),
            },
        )


@login_required
def my_calendar_settings(request):
    if request.method == "POST":
        services.revoke_personal_calendar(actor=request.user, user=request.user)
        messages.success(request, "Your calendar has a new address; the old one stopped working.")
        return redirect("rotations:my_calendar")
    calendar = services.personal_calendar(actor=request.user, user=request.user)
    url = request.build_absolute_uri(calendars.person_feed_path(calendar))
    return render(request, "rotations/my_calendar.html", {"url": url})


@require_GET
def rotation_ical(request, token):
    rotation = Rotation.objects.filter(calendar_token=token).first()
    if rotation is None:
        raise Http404("No calendar at this address (it may have been revoked).")
    return _ics(calendars.rotation_calendar(rotation, now=timezone.now()), rotation.slug)


@require_GET
def person_ical(request, token):
    calendar = PersonalCalendar.objects.select_related("user").filter(token=token).first()
    if calendar is None or not calendar.user.is_active:
        raise Http404("No calendar at this address (it may have been revoked).")
    return _ics(calendars.person_calendar(calendar.user, now=timezone.now()), "on-call")


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    return response
