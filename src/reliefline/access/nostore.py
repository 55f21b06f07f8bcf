"""No answer of reliefline's is kept by a browser or a proxy on its way.

A case page, the queue or an API answer holds callers' phones, names and medical
notes. Without a Cache-Control header a browser may keep them in its disk cache,
where the next user of a shared hotline PC, or anyone who takes it, can read them
after the operator signed out. So every answer the application makes is marked
`no-store`, unless its view chose a Cache-Control of its own. Static files are
served by WhiteNoise before this middleware is reached, and keep their long cache.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
