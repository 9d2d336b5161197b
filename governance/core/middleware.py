"""Input guard (issue 18: no 500 from input).

Refuses, before any view runs, what no field may hold: NUL characters (PostgreSQL cannot store
them) and unpaired UTF-16 surrogates (no database or mail can encode them), in the path, the
query string, form fields and JSON bodies; JSON bodies over the size or nesting limit. It turns
`BadInput` raised by a view into a 400 naming the field, and makes every error answer under
/api/ (or to a Bearer-token client) JSON, including 404, 405 and 500.
"""

import json
import logging
import zoneinfo

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from governance.core.inputs import BadInput

logger = logging.getLogger(__name__)


def _unsafe(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character"
    if any("\ud800" <= char <= "\udfff" for char in text):
        return "contains an unpaired surrogate (invalid Unicode)"
    return None


def _json_values(value, path: str = "body"):
    """(path, text) of every key and string in a parsed JSON document."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield where, key
                stack.append((f"{where}.{key}" if where != "body" else key, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))


def json_depth_over(raw: bytes, limit: int) -> bool:
    """Whether arrays/objects nest deeper than `limit`, by one pass over the bytes (parsing a
    10 000-deep document would exhaust Python's recursion limit first)."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class InputGuard:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        response = refusal or self.get_response(request)
        if self.wants_json(request) and response.status_code >= 400:
            response = self.as_json(response)
        return response

    @staticmethod
    def wants_json(request) -> bool:
        return request.path.startswith("/api/") or request.headers.get(
            "Authorization", ""
        ).lower().startswith("bearer ")

    def bad(self, request, field: str, message: str, status: int = 400) -> HttpResponse:
        if self.wants_json(request):
            return JsonResponse({"error": message, "field": field}, status=status)
        return HttpResponse(
            f"Bad request: {message}".encode(),
            status=status,
            content_type="text/plain; charset=utf-8",
        )

    def refusal(self, request) -> HttpResponse | None:
        if why := _unsafe(request.path):
            return self.bad(request, "path", f"The address {why}.")
        for name, values in request.GET.lists():
            for text in [name, *values]:
                if why := _unsafe(text):
                    return self.bad(request, name[:60], f"{name[:60]!r} {why}.")
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            return self.json_refusal(request)
        try:
            fields = request.POST.lists()
        except MultiPartParserError:
            return self.bad(request, "body", "The form body is malformed.")
        for name, values in fields:
            for text in [name, *values]:
                if why := _unsafe(text):
                    return self.bad(request, name[:60], f"{name[:60]!r} {why}.")
        return None

    def json_refusal(self, request) -> HttpResponse | None:
        limit = settings.API_MAX_BODY_BYTES
        length = request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            return self.bad(request, "body", f"The body is over {limit} bytes.", status=413)
        raw = request.body
        if len(raw) > limit:
            return self.bad(request, "body", f"The body is over {limit} bytes.", status=413)
        depth = settings.API_MAX_JSON_DEPTH
        if json_depth_over(raw, depth):
            return self.bad(request, "body", f"The JSON nests deeper than {depth} levels.")
        try:
            document = json.loads(raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError):
            return self.bad(request, "body", "The body is not valid JSON.")
        for where, text in _json_values(document):
            if why := _unsafe(text):
                return self.bad(request, where[:60], f"{where[:60]} {why}.")
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, BadInput):
            return self.bad(request, exception.field, exception.message)
        return None

    @staticmethod
    def as_json(response) -> HttpResponse:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        body = {"error": response.reason_phrase}
        if status == 405 and response.has_header("Allow"):
            # Sorted: one order whoever built the answer (django-ninja lists a set of methods).
            body["allowed"] = sorted(m.strip() for m in response["Allow"].split(","))
        json_response = JsonResponse(body, status=status)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if response.has_header(header):
                json_response[header] = response[header]
        if "allowed" in body:
            json_response["Allow"] = ", ".join(body["allowed"])
        return json_response


class DisplayZoneMiddleware:
    """Activates the signed-in person's display zone for the request (issue 12 point 9), so
    every page shows instants on their wall clock; rotation pages override it with the
    rotation's own zone (D9 §3.2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import timezone

        from governance.models import DisplayZone

        zone = None
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            zone = (
                DisplayZone.objects.filter(user=request.user)
                .values_list("time_zone", flat=True)
                .first()
            )
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        return self.get_response(request)
