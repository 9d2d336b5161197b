"""Launch checklist pages (D9 §2.1 Pre-Launch, Launch) and the Go/No-Go gate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import authority
from governance.approvals import services as approvals
from governance.core.refusals import report_refusal
from governance.duties import services as duties
from governance.launch import services as launch
from governance.models import (
    GoNoGoDecision,
    Launch,
    LaunchChecklistItem,
    LaunchConsultation,
)


@login_required
def launch_list(request):
    if request.method == "POST":
        try:
            created = launch.start_launch(actor=request.user, name=request.POST.get("name", ""))
        except ValidationError as error:
            report_refusal(request, error)
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
    except ValidationError as error:
        report_refusal(request, error)
    else:
        messages.success(request, f"“{item.activity.name}” marked done.")
    return redirect("launch:detail", pk)


@login_required
@require_POST
def launch_item_consult(request, pk: int, item_pk: int):
    item = get_object_or_404(LaunchChecklistItem, pk=item_pk, launch_id=pk)
    try:
        launch.consult(item=item, actor=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        report_refusal(request, error)
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
    except ValidationError as error:
        report_refusal(request, error)
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
    except ValidationError as error:
        report_refusal(request, error)
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
