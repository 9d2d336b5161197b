"""Which approval requests belong to one incident's evidence pack (D9 §8 decisions)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.models import ApprovalRequest
from incidents.models import ClientCommunication


def incident_requests(incident) -> QuerySet[ApprovalRequest]:
    """The requests of this incident: those about its own objects (its client communications),
    and those about no incident at all (kill switch, rollback, gates) made while it was open.
    A request about another incident's objects is that incident's evidence, never this one's,
    however the two overlap in time."""
    communication = ContentType.objects.get_for_model(ClientCommunication)
    own = Q(
        content_type=communication,
        object_id__in=incident.client_communications.values_list("pk", flat=True),
    )
    while_open = Q(
        created_at__gte=incident.opened_at,
        created_at__lte=incident.resolved_at or timezone.now(),
    ) & ~Q(content_type=communication)
    return ApprovalRequest.objects.filter(own | while_open)
