"""Admin for duty schedules (cadence editable, D9 §2.1 Steady State) and their records.

Instances, check-ins, comments, launches and Go/No-Go decisions change only through services:
their admins are read-only.
"""

from django.contrib import admin

from governance.core.admin import HistoryAdmin, ReadOnlyAdmin
from governance.models import (
    DutyCheckIn,
    DutyInstance,
    DutySchedule,
)


@admin.register(DutySchedule)
class DutyScheduleAdmin(HistoryAdmin):
    list_display = ("activity", "cadence", "time_of_day", "weekday", "grace_minutes", "active")
    list_filter = ("cadence", "active")
    search_fields = ("activity__name",)
    list_select_related = ("activity", "fallback_role")
    autocomplete_fields = ()


@admin.register(DutyInstance)
class DutyInstanceAdmin(ReadOnlyAdmin):
    list_display = ("due_at", "schedule", "assignee", "status")
    list_filter = ("status", "schedule")
    search_fields = ("assignee__username",)
    list_select_related = ("schedule__activity", "assignee")
    autocomplete_fields = ()
    date_hierarchy = "due_at"


@admin.register(DutyCheckIn)
class DutyCheckInAdmin(ReadOnlyAdmin):
    list_display = ("at", "duty", "person", "health")
    list_filter = ("health",)
    search_fields = ("person__username", "note")
    list_select_related = ("duty__schedule__activity", "person")
    autocomplete_fields = ()
