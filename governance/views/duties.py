"""Duty pages (D9 §2.1 Steady State) and the launch checklist (Pre-Launch, Launch).

Thin callers: the authority engine decides, governance.duties and governance.launch execute.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import approvals, authority, duties, launch
from governance.models import (
    DutyInstance,
    GoNoGoDecision,
    Health,
    Launch,
    LaunchChecklistItem,
    LaunchConsultation,
)


def _report(request, error: ValidationError | PermissionDenied) -> None:
    texts = error.messages if isinstance(error, ValidationError) else [str(error)]
    for text in texts:
        messages.error(request, text)


@login_required
def duty_list(request):
    """Recent duty instances of every Steady State duty, mine first."""
    now = timezone.now()
    instances = (
        DutyInstance.objects.filter(due_at__lte=now)
        .select_related("schedule__activity", "assignee", "check_in")
        .order_by("-due_at")[:100]
    )
    return render(
        request,
        "governance/duties/list.html",
        {"instances": instances, "mine": duties.duties_of(request.user, now=now)},
    )


@login_required
def duty_detail(request, pk: int):
    instance = get_object_or_404(
        DutyInstance.objects.select_related(
            "schedule__activity", "assignee", "responsible_role", "check_in__person"
        ),
        pk=pk,
    )
    now = timezone.now()
    return render(
        request,
        "governance/duties/detail.html",
        {
            "instance": instance,
            "comments": instance.comments.select_related("author", "role"),
            "raci": duties.raci(instance.schedule.activity),
            "may_check_in": authority.decide(request.user, "duty.check_in", obj=instance, at=now),
            "may_comment": authority.decide(request.user, "duty.comment", obj=instance, at=now),
            "health_choices": Health.choices,
        },
    )


@login_required
@require_POST
def duty_check_in(request, pk: int):
    instance = get_object_or_404(DutyInstance, pk=pk)
    try:
        duties.check_in(
            instance=instance,
            actor=request.user,
            note=request.POST.get("note", ""),
            health=request.POST.get("health", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, "Checked in.")
    return redirect("duties:detail", pk)


@login_required
@require_POST
def duty_comment(request, pk: int):
    instance = get_object_or_404(DutyInstance, pk=pk)
    try:
        duties.comment(instance=instance, actor=request.user, text=request.POST.get("text", ""))
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, "Comment added.")
    return redirect("duties:detail", pk)


duty_urls = [
    path("", duty_list, name="list"),
    path("<int:pk>/", duty_detail, name="detail"),
    path("<int:pk>/check-in/", duty_check_in, name="check_in"),
    path("<int:pk>/comment/", duty_comment, name="comment"),
]


@login_required
def launch_list(request):
    if request.method == "POST":
        try:
            created = launch.start_launch(actor=request.user, name=request.POST.get("name", ""))
        except (ValidationError, PermissionDenied) as error:
            _report(request, error)
        else:
            return redirect("launch:detail", created.pk)
    return render(request, "governance/launch/list.html", {"launches": Launch.objects.all()[:50]})


@login_required
def launch_detail(request, pk: int):
    the_launch = get_object_or_404(Launch, pk=pk)
    now = timezone.now()
    items = list(the_launch.items.select_related("activity", "done_by").order_by("position"))
    consultations = {}
    for row in LaunchConsultation.objects.filter(item__launch=the_launch).select_related(
        "role", "person"
    ):
        consultations.setdefault(row.item_id, []).append(row)
    rows = []
    for item in items:
        request_row = launch.sign_off_request(item)
        rows.append(
            {
                "item": item,
                "raci": duties.raci(item.activity),
                "blocked": launch.blocked_by_gate(item),
                "consultations": consultations.get(item.pk, []),
                "request": request_row,
                "may_do": authority.decide(request.user, "launch.do", obj=item, at=now),
                "may_consult": authority.decide(request.user, "launch.consult", obj=item, at=now),
                "may_sign": bool(request_row)
                and authority.decide(request.user, "approval.decide", obj=request_row, at=now),
            }
        )
    return render(
        request,
        "governance/launch/detail.html",
        {
            "launch": the_launch,
            "rows": rows,
            "go": launch.go_in_force(the_launch),
            "decisions": the_launch.decisions.select_related("decided_by", "policy_version"),
            "outcomes": GoNoGoDecision.Outcome.choices,
        },
    )


@login_required
@require_POST
def launch_item_done(request, pk: int, item_pk: int):
    item = get_object_or_404(LaunchChecklistItem, pk=item_pk, launch_id=pk)
    try:
        launch.complete_item(item=item, actor=request.user, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, f"“{item.activity.name}” marked done.")
    return redirect("launch:detail", pk)


@login_required
@require_POST
def launch_item_consult(request, pk: int, item_pk: int):
    item = get_object_or_404(LaunchChecklistItem, pk=item_pk, launch_id=pk)
    try:
        launch.consult(item=item, actor=request.user, text=request.POST.get("text", ""))
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, "Your input is recorded.")
    return redirect("launch:detail", pk)


@login_required
@require_POST
def launch_item_sign(request, pk: int, item_pk: int):
    item = get_object_or_404(LaunchChecklistItem, pk=item_pk, launch_id=pk)
    request_row = launch.sign_off_request(item)
    if request_row is None:
        messages.error(request, "There is no sign-off to decide on this item.")
        return redirect("launch:detail", pk)
    try:
        approvals.decide_approval(
            request=request_row,
            actor=request.user,
            verdict=request.POST.get("verdict", ""),
            statement=request.POST.get("statement", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, "Your decision is recorded.")
    return redirect("launch:detail", pk)


@login_required
@require_POST
def launch_go_no_go(request, pk: int):
    the_launch = get_object_or_404(Launch, pk=pk)
    try:
        launch.record_go_no_go(
            launch=the_launch,
            actor=request.user,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, "Go/No-Go decision recorded.")
    return redirect("launch:detail", pk)


launch_urls = [
    path("", launch_list, name="list"),
    path("<int:pk>/", launch_detail, name="detail"),
    path("<int:pk>/go-no-go/", launch_go_no_go, name="go_no_go"),
    path("<int:pk>/items/<int:item_pk>/done/", launch_item_done, name="done"),
    path("<int:pk>/items/<int:item_pk>/consult/", launch_item_consult, name="consult"),
    path("<int:pk>/items/<int:item_pk>/sign/", launch_item_sign, name="sign"),
]
