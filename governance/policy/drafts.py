"""Draft policy versions (D9 §9): open a copy of the D9 tables, edit it row by row through the
policy's own forms, compare it with the live tables, and apply it once its version is approved.

A draft's tables are rows as Django's "python" serializer writes them (model, pk, fields), kept
as JSON on the `PolicyDraft`. Nothing here writes a live policy row except `apply_draft`, which
runs from the §9 approval of the draft's version (`governance/rollout/services.py`).
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.apps import apps
from django.contrib import admin
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from governance import authority
from governance.approvals import services as approvals
from governance.core.history import save_with_history
from governance.models import (
    ActivationLogField,
    CommunicationApprover,
    CommunicationRule,
    DecisionAuthority,
    DecisionAuthorityRole,
    EscalationContact,
    EscalationStep,
    GaConfirmation,
    HandoffChecklistItem,
    KillSwitchAction,
    KillSwitchActionRole,
    KillSwitchScenario,
    MessageTemplate,
    OnCallExpectation,
    OnCallTier,
    PhaseGate,
    PhaseGateApprover,
    PolicyDraft,
    RaciActivity,
    RaciEntry,
    ResumeAuthority,
    ResumeAuthorityRole,
    ResumeVerification,
    RollbackDecisionMaker,
    RollbackReason,
    RollbackType,
    Severity,
)

# The D9 tables a draft copies, in D9 order. Roles and who holds them (§1) change through role
# change requests, versions (§9) through document control: neither is drafted.
TABLES: tuple[type[models.Model], ...] = (
    RaciActivity,
    RaciEntry,
    KillSwitchAction,
    KillSwitchActionRole,
    OnCallTier,
    HandoffChecklistItem,
    OnCallExpectation,
    Severity,
    EscalationStep,
    EscalationContact,
    KillSwitchScenario,
    ActivationLogField,
    ResumeAuthority,
    ResumeAuthorityRole,
    ResumeVerification,
    PhaseGate,
    PhaseGateApprover,
    GaConfirmation,
    RollbackType,
    RollbackReason,
    RollbackDecisionMaker,
    CommunicationRule,
    CommunicationApprover,
    MessageTemplate,
    DecisionAuthority,
    DecisionAuthorityRole,
)
DRAFT_ACTION = "policy.publish"


def table_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def table_model(label: str) -> type[models.Model]:
    model = apps.get_model(label)
    if model not in TABLES:
        raise ValidationError({"table": f"{label} is not a D9 table a draft may change."})
    return model


def serialize_rows(objects) -> list[dict]:
    """Rows as JSON-safe dicts of the "python" serializer format (dates as ISO strings)."""
    return json.loads(serializers.serialize("json", objects))


def live_tables() -> dict[str, list[dict]]:
    """The live D9 tables, in the draft format (one query per table)."""
    return {table_label(model): serialize_rows(model.objects.order_by("pk")) for model in TABLES}


def instances(tables: dict[str, list[dict]], model: type[models.Model]) -> list[models.Model]:
    """Unsaved instances of `model`'s rows in `tables` (a draft's or `live_tables()`), by pk."""
    rows = tables.get(table_label(model), [])
    objects = [d.object for d in serializers.deserialize("python", rows)]
    for obj in objects:
        # Each row mirrors a live row: validation compares it with the others, not itself.
        obj._state.adding = False
    return objects


def form_class(model: type[models.Model]) -> type[forms.ModelForm]:
    """The admin's form of `model` (its own validation), on every editable field."""
    model_admin = admin.site._registry.get(model)
    base = getattr(model_admin, "form", forms.ModelForm)
    names = [f.name for f in model._meta.fields if f.editable and not f.primary_key]
    return forms.modelform_factory(model, form=base, fields=names)


def open_draft(*, actor, title: str, at: datetime | None = None) -> PolicyDraft:
    """D9 §9: a draft of the next version, copied from the live tables; whoever may propose
    a version (the Document Control roles) may open one."""
    at = at or timezone.now()
    authority.require(actor, DRAFT_ACTION, at=at)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Say what the draft changes."})
    draft = PolicyDraft(
        title=title,
        based_on=approvals.current_policy_version(),
        created_by=actor,
        created_at=at,
        tables=live_tables(),
    )
    save_with_history(draft, actor=actor, reason="Draft opened from the live policy")
    return draft


def _require_open(draft: PolicyDraft) -> None:
    if draft.status != PolicyDraft.Status.OPEN:
        raise ValidationError(
            f"Draft #{draft.pk} is {draft.get_status_display().lower()}; open a new one."
        )


def draft_form(draft: PolicyDraft, model: type[models.Model], pk, data=None) -> forms.ModelForm:
    """The form editing row `pk` of `model` in `draft` (bound to `data` if given)."""
    rows = {obj.pk: obj for obj in instances(draft.tables, model)}
    try:
        instance = rows[int(pk)]
    except (KeyError, TypeError, ValueError):
        raise ValidationError(
            {"pk": f"The draft has no {model._meta.verbose_name} #{pk}."}
        ) from None
    return form_class(model)(data=data, instance=instance)


def edit_draft_row(
    *, actor, draft: PolicyDraft, table: str, pk, data: dict, at: datetime | None = None
) -> PolicyDraft:
    """Change one row of a draft through the policy's own form; the live row is untouched.
    Invalid values raise the form's errors by field and change nothing."""
    at = at or timezone.now()
    authority.require(actor, DRAFT_ACTION, at=at)
    model = table_model(table)
    with transaction.atomic():
        draft = PolicyDraft.objects.select_for_update().get(pk=draft.pk)
        _require_open(draft)
        form = draft_form(draft, model, pk, data)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        row = serialize_rows([form.save(commit=False)])[0]
        label = table_label(model)
        draft.tables[label] = [row if r["pk"] == row["pk"] else r for r in draft.tables[label]]
        save_with_history(
            draft, actor=actor, reason=f"Edited {model._meta.verbose_name} #{row['pk']}"
        )
    return draft


@dataclass
class RowChange:
    pk: int
    text: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, live, draft)


@dataclass
class TableDiff:
    label: str
    name: str
    changed: list[RowChange] = field(default_factory=list)
    added: list[RowChange] = field(default_factory=list)
    removed: list[RowChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changed or self.added or self.removed)


def _value_text(obj: models.Model, name: str) -> str:
    model_field = obj._meta.get_field(name)
    if model_field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    return "—" if value in (None, "") else str(value)


def diff(tables: dict, against: dict | None = None) -> list[TableDiff]:
    """`tables` against the live D9 tables (or `against`), table by table, row by row: the
    tables that differ, each row with the fields that changed (live value, draft value)."""
    against = live_tables() if against is None else against
    result = []
    for model in TABLES:
        label = table_label(model)
        mine = {o.pk: o for o in instances(tables, model)}
        theirs = {o.pk: o for o in instances(against, model)}
        names = [f.name for f in model._meta.fields if not f.primary_key]
        table = TableDiff(label=label, name=str(model._meta.verbose_name_plural))
        for pk in sorted(mine.keys() | theirs.keys()):
            if pk not in theirs:
                table.added.append(RowChange(pk, str(mine[pk])))
            elif pk not in mine:
                table.removed.append(RowChange(pk, str(theirs[pk])))
            else:
                changed = [
                    (n, _value_text(theirs[pk], n), _value_text(mine[pk], n))
                    for n in names
                    if serializable(theirs[pk], n) != serializable(mine[pk], n)
                ]
                if changed:
                    table.changed.append(RowChange(pk, str(theirs[pk]), changed))
        if table:
            result.append(table)
    return result


def serializable(obj: models.Model, name: str):
    return obj._meta.get_field(name).value_from_object(obj)


def apply_draft(*, draft: PolicyDraft, actor, at: datetime) -> int:
    """The draft's version was approved (D9 §9): its changed rows replace the live ones, each
    saved with history naming the draft. Returns how many rows changed."""
    applied = 0
    for table in diff(draft.tables):
        model = table_model(table.label)
        rows = {o.pk: o for o in instances(draft.tables, model)}
        for change in table.changed:
            save_with_history(
                rows[change.pk], actor=actor, reason=f"Applied from policy draft #{draft.pk}"
            )
            applied += 1
    draft.status = PolicyDraft.Status.APPLIED
    save_with_history(draft, actor=actor, reason=f"Applied: {applied} row(s) changed")
    return applied
