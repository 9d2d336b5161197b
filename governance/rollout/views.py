"""Rollout pages (D9 §6, §9): the rollout and its gates, "My sign-offs", a sign-off (gate page:
criteria, each approver's state, approve / veto), the rollback form, printable records, and the
policy version form. Server-rendered, no JavaScript; the services in governance.rollout decide.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import authority
from governance.approvals import services as approvals
from governance.core import inputs
from governance.core.refusals import add_refusal_to_form, report_refusal
from governance.models import (
    ApprovalDecision,
    ApprovalRequest,
    GaConfirmation,
    Phase,
    PhaseAdvance,
    PolicyDraft,
    PolicyVersion,
    RaciActivity,
    RollbackReason,
    RollbackSignOff,
    RollbackType,
)
from governance.rollout import readiness
from governance.rollout import selectors as rollout_selectors
from governance.rollout import services as rollout

app_name = "rollout"


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class AdvanceForm(forms.Form):
    criteria = forms.CharField(
        label="How the gate's criteria are met", widget=forms.Textarea(attrs={"rows": 4})
    )
    confirmed = forms.BooleanField(required=False, label="I confirm my GA statement (D9 §6.2)")


class DecisionForm(forms.Form):
    # Nothing preselected: a decision is chosen, never defaulted (a preselected Approve stood
    # checked right after the person's own veto).
    verdict = forms.ChoiceField(choices=ApprovalDecision.Verdict.choices, widget=forms.RadioSelect)
    statement = forms.CharField(
        required=False,
        label="Statement, or the reason of a veto",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirmed = forms.BooleanField(required=False, label="I confirm my GA statement (D9 §6.2)")


class RollbackForm(forms.Form):
    """D9 §6.4, field by field; the service validates (type authority, phases, approver)."""

    rollback_type = forms.ModelChoiceField(
        queryset=RollbackType.objects.all(),
        empty_label=None,
        widget=forms.RadioSelect,
        label="Rollback type (D9 §6.3)",
    )
    to_phase = forms.ChoiceField(choices=Phase.choices, label="Rolled back to")
    reasons = forms.ModelMultipleChoiceField(
        queryset=RollbackReason.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Reason",
    )
    other_reason = forms.CharField(required=False, max_length=200, label="Other: (say what)")
    approved_by = PersonChoiceField(queryset=_people(), required=False, label="Approved by")
    investigation_assignee = PersonChoiceField(
        queryset=_people(), required=False, label="Investigation assigned to"
    )
    re_ramp_on = forms.DateField(
        required=False,
        label="Re-ramp target date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    client_communication = forms.ChoiceField(
        choices=[("required", "Required"), ("not_required", "Not required")],
        widget=forms.RadioSelect,
        label="Client communication",
    )


class PolicyVersionForm(forms.Form):
    version = forms.CharField(max_length=20, label="Version")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    change_summary = forms.CharField(max_length=200, label="Change")


def get_signoff_for_user(user, pk: int) -> ApprovalRequest:
    """A sign-off request: any signed-in person may see it (D9 §7.1: rollout news is shared
    in #ingestion-rollout); deciding is checked by the services."""
    if not user.is_authenticated:
        raise PermissionDenied
    return get_object_or_404(
        ApprovalRequest.objects.select_related("requester", "policy_version"),
        pk=pk,
        kind__in=rollout.KINDS,
    )


@login_required
def overview(request):
    """The rollout: its phase, the next gate and its approvers, transitions, rollbacks."""
    now = timezone.now()
    current = rollout.current_rollout()
    gate = rollout.next_gate(current)
    return render(
        request,
        "governance/rollout/overview.html",
        {
            "rollout": current,
            "gate": gate,
            "approvers": gate.approvers.select_related("role") if gate else [],
            "ga_confirmations": GaConfirmation.objects.select_related("role"),
            "open_advance": rollout.open_advance(current),
            "blockers": rollout.blockers(at=now),
            "may_request": gate and authority.decide(request.user, "phase.advance", obj=gate),
            "form": AdvanceForm(),
            "transitions": current.transitions.select_related("actor")[:50],
            "rollbacks": current.rollbacks.select_related("rollback_type", "authorized_by")[:20],
            "versions": PolicyVersion.objects.order_by("-date", "-id")[:10],
            **_readiness_context(request, current, at=now),
        },
    )


def _readiness_context(request, current, *, at, back: int | str = "") -> dict:
    """The D9 §6.2 evidence and whether the user may record the "on-call trained" statement."""
    return {
        "readiness": readiness.ga_readiness(current, at=at),
        "may_attest": authority.decide(
            request.user, "rollout.attest_on_call_trained", obj=current, at=at
        ),
        "back": back,
    }


@login_required
@require_POST
def attest_on_call_trained(request):
    """The SRE Lead records "on-call trained" (D9 §6.2) from the gate page."""
    back = inputs.integer(request.POST, "back")
    try:
        readiness.attest_on_call_trained(
            rollout=rollout.current_rollout(),
            actor=request.user,
            statement=request.POST.get("statement", ""),
        )
    except ValidationError as error:
        report_refusal(request, error)
    else:
        messages.success(request, "Your “on-call trained” attestation is recorded.")
    if back:
        return redirect("rollout:signoff", pk=back)
    return redirect("rollout:overview")


@login_required
@require_POST
def request_advance(request):
    form = AdvanceForm(request.POST)
    if form.is_valid():
        try:
            advance = rollout.request_phase_advance(
                actor=request.user,
                criteria=form.cleaned_data["criteria"],
                confirmed=form.cleaned_data["confirmed"],
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("rollout:overview")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("rollout:overview")
        if advance.approval_id:
            messages.success(request, "Gate review opened; the approvers are asked to sign.")
            return redirect("rollout:signoff", advance.approval_id)
        messages.success(request, f"The rollout is now in {advance.rollout.phase}.")
    else:
        messages.error(request, "Describe how the gate's criteria are met.")
    return redirect("rollout:overview")


def _attached_whatif(target) -> dict | None:
    """D9 §9: the what-if replay attached when a version was proposed from a policy draft."""
    if not isinstance(target, PolicyVersion):
        return None
    return PolicyDraft.objects.filter(version=target).values_list("report", flat=True).first()


def _signoff_context(request, signoff: ApprovalRequest, form=None) -> dict:
    now = timezone.now()
    target = rollout.target_of(signoff)
    may = authority.decide(request.user, "approval.decide", obj=signoff, at=now)
    context = {
        "signoff": signoff,
        "target": target,
        "states": rollout.approver_states(signoff, at=now),
        "voided": rollout.voided_decisions(signoff),
        "decisions": signoff.decisions.select_related("person", "role", "policy_version"),
        "may_decide": bool(may),
        "why_not": may.reason,
        "form": form or DecisionForm(),
        "is_ga": isinstance(target, PhaseAdvance) and target.is_ga,
        "ga_confirmations": GaConfirmation.objects.select_related("role"),
        "my_statements": GaConfirmation.objects.filter(role__key__in=may.acting_roles)
        if may
        else [],
    }
    context["whatif"] = _attached_whatif(target)
    if isinstance(target, PhaseAdvance):
        context["gate_approvers"] = target.gate.approvers.select_related("role")
        context["may_revise"] = request.user.pk == signoff.requester_id and target.status in (
            PhaseAdvance.Status.PENDING,
            PhaseAdvance.Status.VETOED,
        )
    if isinstance(target, RollbackSignOff):
        context["form_block"] = rollout.rollback_block(target)
        if target.status == RollbackSignOff.Status.IN_EFFECT:
            context["revalidation"] = rollout_selectors.revalidation_items(target)
            context["may_revalidate"] = bool(
                authority.decide(request.user, "rollback.revalidate", obj=target, at=now)
            )
    if context["is_ga"]:
        context.update(_readiness_context(request, target.rollout, at=now, back=signoff.pk))
    return context


@login_required
def signoff(request, pk: int):
    """The gate page of any sign-off: criteria, each approver's state, approve / veto."""
    signoff = get_signoff_for_user(request.user, pk)
    return render(request, "governance/signoff/detail.html", _signoff_context(request, signoff))


@login_required
@require_POST
def decide(request, pk: int):
    """Approve, veto or withdraw a veto — always as the signed-in user (any person field in
    the POST is ignored). Refusals: 403 with the reason, nothing recorded."""
    signoff = get_signoff_for_user(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        context = _signoff_context(request, signoff, form)
        return render(request, "governance/signoff/detail.html", context, status=400)
    data = form.cleaned_data
    services = {"approve": rollout.sign, "veto": rollout.veto, "withdraw": rollout.withdraw}
    kwargs = {"request": signoff, "actor": request.user}
    if data["verdict"] == "approve":
        kwargs.update(statement=data["statement"], confirmed=data["confirmed"])
    elif data["verdict"] == "veto":
        kwargs.update(reason=data["statement"])
    else:
        kwargs.update(statement=data["statement"])
    try:
        services[data["verdict"]](**kwargs)
    except PermissionDenied as error:
        form.add_error(None, str(error) or "You may not decide this sign-off.")
        context = _signoff_context(request, signoff, form)
        return render(request, "governance/signoff/detail.html", context, status=403)
    except ValidationError as error:
        add_refusal_to_form(form, error)
        context = _signoff_context(request, signoff, form)
        return render(request, "governance/signoff/detail.html", context, status=400)
    messages.success(request, "Your decision is recorded.")
    return redirect("rollout:signoff", pk)


@login_required
@require_POST
def revise(request, pk: int):
    """The requester edits the criteria: earlier sign-offs are void."""
    advance = get_object_or_404(PhaseAdvance, pk=pk)
    try:
        rollout.revise_phase_advance(
            advance=advance, actor=request.user, criteria=request.POST.get("criteria", "")
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Criteria updated; the approvers must sign again.")
    return (
        redirect("rollout:signoff", advance.approval_id)
        if advance.approval_id
        else redirect("rollout:overview")
    )


@login_required
def inbox(request):
    """My sign-offs: what waits for me, what I decided."""
    now = timezone.now()
    return render(
        request,
        "governance/signoff/inbox.html",
        {
            "waiting": approvals.pending_for(request.user, at=now),
            "decided": rollout.decided_by(request.user)[:100],
        },
    )


@login_required
def rollback_new(request):
    """The D9 §6.4 rollback sign-off form."""
    current = rollout.current_rollout()
    form = RollbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sign_off = rollout.request_rollback(
                actor=request.user,
                rollback_type=data["rollback_type"],
                to_phase=data["to_phase"],
                reasons=list(data["reasons"]),
                other_reason=data["other_reason"],
                approved_by=data["approved_by"],
                investigation_assignee=data["investigation_assignee"],
                re_ramp_on=data["re_ramp_on"],
                client_communication=data["client_communication"] == "required",
                rollout=current,
            )
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            if sign_off.status == RollbackSignOff.Status.IN_EFFECT:
                messages.success(request, f"Rolled back to {sign_off.to_phase}; approval follows.")
            else:
                messages.success(request, "Rollback requested; it takes effect once approved.")
            return redirect("rollout:rollback_print", sign_off.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "governance/rollback/form.html",
        {"form": form, "rollout": current, "types": RollbackType.objects.all()},
        status=status,
    )


@login_required
def rollback_print(request, pk: int):
    """The filled D9 §6.4 block and its approval, laid out for printing."""
    sign_off = get_object_or_404(
        RollbackSignOff.objects.select_related(
            "rollback_type", "authorized_by", "approved_by", "authorized_role", "approved_role"
        ),
        pk=pk,
    )
    return render(
        request,
        "governance/rollback/print.html",
        {
            "sign_off": sign_off,
            "form_block": rollout.rollback_block(sign_off),
            "signoff": sign_off.approval,
            "decisions": sign_off.approval.decisions.select_related("person", "role")
            if sign_off.approval_id
            else [],
        },
    )


@login_required
def signoff_print(request, pk: int):
    """A printable sign-off record: what was approved and every decision, voided ones too."""
    signoff = get_signoff_for_user(request.user, pk)
    target = rollout.target_of(signoff)
    if isinstance(target, RollbackSignOff):
        return redirect("rollout:rollback_print", target.pk)
    return render(
        request,
        "governance/signoff/print.html",
        {
            "signoff": signoff,
            "target": target,
            "decisions": signoff.decisions.select_related("person", "role", "policy_version"),
            "requester_row": rollout.requester_sign_off(target),
            "whatif": _attached_whatif(target),
        },
    )


@login_required
def policy_version_new(request):
    """D9 §9: propose a new policy version; it is in force once its approvers sign."""
    form = PolicyVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = rollout.publish_policy_version(
                actor=request.user,
                version=data["version"],
                date=data["date"],
                change_summary=data["change_summary"],
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return render(
                request, "governance/rollout/policy_version.html", {"form": form}, status=403
            )
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            signoff = approvals.request_for(target=version)
            messages.success(request, f"D9 v{version.version} proposed.")
            if signoff:
                return redirect("rollout:signoff", signoff.pk)
            return redirect("rollout:overview")
    return render(request, "governance/rollout/policy_version.html", {"form": form})


@login_required
@require_POST
def revalidate(request, pk: int):
    """Record one item of the Full P0 revalidation after a rollback (D9 §5.3)."""
    sign_off = get_object_or_404(RollbackSignOff, pk=pk)
    try:
        activity = RaciActivity.objects.filter(pk=inputs.integer(request.POST, "activity")).first()
        if activity is None:
            raise ValidationError({"activity": "Choose the item you verified."})
        rollout.record_revalidation(
            sign_off=sign_off, actor=request.user, activity=activity, note=request.POST.get("note")
        )
    except inputs.BadInput as error:
        messages.error(request, str(error))
    except (PermissionDenied, ValidationError) as error:
        report_refusal(request, error)
    else:
        messages.success(request, f"“{activity.name}” verified.")
    return redirect("rollout:signoff", sign_off.approval_id)


urlpatterns = [
    path("", overview, name="overview"),
    path("advance/", request_advance, name="request_advance"),
    path("advances/<int:pk>/revise/", revise, name="revise"),
    path("sign-offs/", inbox, name="inbox"),
    path("sign-offs/<int:pk>/", signoff, name="signoff"),
    path("sign-offs/<int:pk>/decide/", decide, name="decide"),
    path("sign-offs/<int:pk>/print/", signoff_print, name="signoff_print"),
    path("rollback/", rollback_new, name="rollback_new"),
    path("rollbacks/<int:pk>/", rollback_print, name="rollback_print"),
    path("rollbacks/<int:pk>/revalidate/", revalidate, name="revalidate"),
    path("policy-versions/new/", policy_version_new, name="policy_version_new"),
    path("on-call-trained/", attest_on_call_trained, name="attest_on_call_trained"),
]
