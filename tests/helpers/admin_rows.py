"""A row of any model for the admin tests: existing rows first, else one filled with the first
valid value of each required field (related rows made the same way)."""

import datetime

from django.db import models
from django.forms import MultiWidget
from django.utils import timezone


def some_row(model, **fields):
    """The first row of `model` matching `fields`, or a new one."""
    existing = model._default_manager.filter(**fields).order_by("pk").first()
    if existing is not None:
        return existing
    values = {**distinct_people(model), **fields}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in values or field.null or field.has_default():
            continue
        if field.is_relation:
            values[field.name] = some_row(field.related_model)
        elif field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = datetime.date(2030, 1, 1)
        elif isinstance(field, models.TimeField):
            values[field.name] = datetime.time(9, 0)
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
            values[field.name] = 1
        elif isinstance(field, models.JSONField):
            values[field.name] = {}
        else:
            values[field.name] = f"{model._meta.model_name}-row"[: field.max_length or 40]
    row = model(**values)
    row.save()
    return row


def distinct_people(model) -> dict:
    """Values that the model's check constraints need to differ (e.g. a swap's two people)."""
    from django.contrib.auth import get_user_model

    label = model._meta.label
    if label == "rotations.SwapRequest":
        people = get_user_model().objects
        requester = people.create_user(username="swap-requester")
        return {"requester": requester, "colleague": people.create_user(username="swap-colleague")}
    if label == "governance.ContactMethod":
        # A method belongs to exactly one person or team (its check constraint).
        return {"user": get_user_model().objects.create_user(username="method-owner")}
    if label == "governance.RollbackSignOff":
        people = get_user_model().objects
        return {
            "from_phase": "P2",
            "to_phase": "P1",
            "authorized_by": people.create_user(username="rollback-authorizer"),
            "approved_by": people.create_user(username="rollback-approver"),
        }
    return {}


def with_history(row):
    """`row`, with a history row (rows seeded by data migrations have none)."""
    if not row.history.exists():
        row.save()
    return row


def snapshot(row) -> dict | None:
    """Every stored value of `row` as the database holds it now (None: deleted)."""
    fresh = type(row)._default_manager.filter(pk=row.pk).first()
    if fresh is None:
        return None
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


def form_data(response) -> dict:
    """The POST data of an admin form page as it shows it (with its inlines, if any)."""
    if response.status_code != 200 or response.context is None:
        return {}
    context = response.context
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{index}"] = "" if part is None else part
                continue
            data[form.add_prefix(name)] = "on" if value is True else field.prepare_value(value)

    if "adminform" in context:
        add(context["adminform"].form)
    inlines = context.get("inline_admin_formsets") or []
    for inline in inlines:
        formset = inline.formset
        management = formset.management_form
        count = len(formset.initial_forms)
        data[management.add_prefix("TOTAL_FORMS")] = count
        data[management.add_prefix("INITIAL_FORMS")] = count
        data[management.add_prefix("MIN_NUM_FORMS")] = 0
        data[management.add_prefix("MAX_NUM_FORMS")] = 1000
        for form in formset.initial_forms:
            add(form)
    return data
