"""Helpers of the page-cost tests: a page's query count once warm, and the incident rows that
grow a page's lists."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services


def warm_queries(client, url: str, data=None) -> tuple[int, str]:
    """(queries, HTML) of a second GET of `url`: the first fills what a process keeps."""
    client.get(url, data)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def post_update(incident, crew, number: int) -> None:
    """The On-Call Primary's update `number` (a message and a timeline event)."""
    services.post_update(
        incident=incident,
        actor=crew["primary"],
        status="investigating",
        findings=f"finding {number}",
        next_steps="keep looking",
    )
