"""Dashboard card "My duties": the D9 §2.1 duty instances I must check in now."""

from django import template
from django.utils import timezone

from governance.models import DutyInstance

register = template.Library()

CARD_LIMIT = 10


@register.inclusion_tag("governance/duties/card.html", takes_context=True)
def my_duties_card(context):
    """My open instances already due, oldest first; overdue once past their check-in deadline."""
    user = context["request"].user
    now = timezone.now()
    instances = []
    if user.is_authenticated:
        instances = list(
            DutyInstance.objects.filter(
                assignee=user, status=DutyInstance.Status.OPEN, due_at__lte=now
            )
            .select_related("schedule__activity")
            .order_by("due_at", "id")[:CARD_LIMIT]
        )
    return {
        "duties": [{"instance": i, "overdue": i.deadline_at < now} for i in instances],
        "now": now,
    }
