"""Public pages served from the cache with an ETag: a conditional GET that matches answers
304 after the version's four small queries; a miss renders once per version and caches it."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control

from incidents.status import selectors


def cached_public(
    request, *, name: str, workspace_slug: str = "", build: Callable[[], HttpResponse]
) -> HttpResponse:
    """Answer `request` for the public resource `name` from its version: 304 when the client
    holds it, the cached body when another client asked already, else `build()` once."""
    etag = f'"{selectors.version(workspace_slug=workspace_slug)}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _public(not_modified, etag)
    key = f"status:{name}:{workspace_slug}:{etag}"
    cached = cache.get(key)
    if cached is None:
        response = build()
        if response.status_code != 200:
            return response
        cached = (response.content, response["Content-Type"])
        cache.set(key, cached, settings.STATUS_PAGE_CACHE_SECONDS)
    content, content_type = cached
    return _public(HttpResponse(content, content_type=content_type), etag)


def _public(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.STATUS_PAGE_CACHE_SECONDS)
    return response
