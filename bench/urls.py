"""The benchmarks' own URLconf: the portal's URLs plus a plain JSON view as the floor that
`bench/poll_throughput.py` measures the kill-switch status API against (not served in
production)."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from governance.urls import urlpatterns as portal_urlpatterns


@require_GET
def plain_json(request):
    """A plain Django JSON view with no database access, answering the poll's own bytes
    (settings.BENCH_BODY): the baseline the poll is measured against."""
    return HttpResponse(settings.BENCH_BODY, content_type="application/json")


urlpatterns = [path("api/plain/", plain_json, name="api_plain"), *portal_urlpatterns]
