""" "Who may do this now?": the authority engine's answer for any action and scope."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from governance import authority
from governance.authority.engine import RULES
from governance.authority.labels import action_labels
from governance.core import inputs
from governance.killswitch import services as killswitch
from governance.models import (
    ApprovalRequest,
    DecisionAuthority,
    KillSwitchActivation,
    KillSwitchScenario,
    RollbackType,
    Severity,
    Workspace,
)


def _actions() -> list[tuple[str, str]]:
    """(key, words) of every action, in the order of their words."""
    keys = set(RULES) | {
        f"decision.{key}" for key in DecisionAuthority.objects.values_list("key", flat=True)
    }
    labels = action_labels(keys)
    return sorted(labels.items(), key=lambda item: item[1])


def _subject(request, action: str, *, at):
    """The object the action is about, from the query string (None: the policy row alone)."""
    get = request.GET
    if action == "killswitch.activate":
        scenario_id = inputs.integer(get, "scenario") or 0
        scenario = KillSwitchScenario.objects.filter(pk=scenario_id).first()
        scenario = scenario or KillSwitchScenario.objects.first()
        workspace = Workspace.objects.filter(slug=get.get("workspace", "")).first()
        starts = at
        if scenario and scenario.approval_timing == "advance":
            starts = at + timezone.timedelta(minutes=scenario.approval_minutes or 0)
        return killswitch.build_activation(
            actor=request.user,
            scenario=scenario,
            severity=Severity.objects.first(),
            reason="",
            workspace=workspace,
            starts_at=starts,
            at=at,
        )
    if action in ("killswitch.resume", "approval.decide") and get.get("object"):
        model = KillSwitchActivation if action == "killswitch.resume" else ApprovalRequest
        return model.objects.filter(pk=inputs.integer(get, "object")).first()
    if action == "killswitch.rollback" and get.get("rollback_type"):
        return RollbackType.objects.filter(key=get.get("rollback_type")).first()
    return None


@login_required
def who_may(request):
    """Every person allowed the chosen action now, with approvals and notifications; and the
    engine's answer (with its reason) for you."""
    now = timezone.now()
    action = request.GET.get("action", "")
    actions = _actions()
    context = {
        "actions": actions,
        "action": action,
        "action_label": dict(actions).get(action, action),
        "scenarios": KillSwitchScenario.objects.all(),
        "workspaces": Workspace.objects.all(),
        "rollback_types": RollbackType.objects.all(),
        "filters": request.GET,
    }
    if action:
        obj = _subject(request, action, at=now)
        context.update(
            allowed=authority.who_may(action, obj=obj, at=now),
            mine=authority.decide(request.user, action, obj=obj, at=now),
        )
    return render(request, "governance/authority/who_may.html", context)
