"""The JSON API for tools and scripts as one django-ninja `NinjaAPI`, which serves its OpenAPI
document, generated from the routers' typed signatures, at `/api/openapi.json`.

It lives in the top layer because it mounts the incidents router. The handlers below keep the
API's error contract (issue 13): 400 naming the field, 401, 403 with the reason of the authority
engine, 404; 405 with `Allow` comes from ninja and is made JSON by the input guard.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.parser import Parser

from governance.ops.tokens import BearerToken
from incidents.lifecycle_api import router as incidents


class ObjectParser(Parser):
    """A JSON body must be an object: ninja would read `[...]` as an empty one (all defaults)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("The body must be a JSON object.")
        return data


api = NinjaAPI(
    title="Governance portal API",
    version="1",
    description="Incidents for tools and scripts: open one from an alert, list, read, "
    "acknowledge, post D9 §7.3 updates and resolve. Every call needs "
    "`Authorization: Bearer <API token>` (`manage.py create_api_token USER`); the authority "
    "engine applies to the token's user as to a person. Errors are JSON: "
    '`{"error": …, "field": …}`.',
    auth=BearerToken(),
    parser=ObjectParser(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    # The document only: the interactive page would load its scripts from a CDN.
    docs_url=None,
)
api.add_router("/incidents/", incidents)


def _error(request, status: int, message: str, field: str | None = None):
    body = {"error": message}
    if field:
        body["field"] = field
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = _error(request, 401, "A valid, unrevoked Bearer API token is required.")
    response["WWW-Authenticate"] = 'Bearer realm="incidents"'
    return response


@api.exception_handler(HttpError)
def http_error(request, exc):
    # ninja's own 400 is a body it could not parse; ours are 404s with their message.
    return _error(request, exc.status_code, str(exc), "body" if exc.status_code == 400 else None)


@api.exception_handler(PermissionDenied)
def refused(request, exc):
    return _error(request, 403, str(exc))


@api.exception_handler(ValidationError)
def invalid(request, exc):
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return _error(request, 400, " ".join(messages), field)
    return _error(request, 400, " ".join(exc.messages))


@api.exception_handler(SchemaError)
def invalid_schema(request, exc):
    """The first pydantic error, its field named as the client wrote it: the location without
    ninja's source ("query", "body") and body parameter name."""
    first = exc.errors[0]
    location = [str(part) for part in first.get("loc", ())]
    source, path = (location[0], location[1:]) if location else ("body", [])
    if source == "body":
        path = path[1:]
    field = ".".join(path) or source
    return _error(request, 400, f"{field}: {first.get('msg', 'invalid')}.", field)
