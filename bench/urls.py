"""The benchmarks' own URLconf: the portal's URLs plus a plain JSON view as the floor that
`bench/kill_switch.py` measures the kill-switch status API against (not served in production)."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from governance.urls import urlpatterns as portal_urlpatterns


@require_GET
def plain_json(request):
    """A plain Django JSON view with no database access: the benchmark's baseline."""
    return JsonResponse({"ok": True})


urlpatterns = [path("api/plain/", plain_json, name="api_plain"), *portal_urlpatterns]
