"""The settlement picker: type a name in any script, pick one of the places found."""

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reliefline.access.auth import requires
from reliefline.errors import NotFound
from reliefline.places.selectors import place_get, place_search

AUTOCOMPLETE_LIMIT = 10
MIN_QUERY = 2
# The picker names its hidden input after the form field it fills.
FIELD_NAME = re.compile(r"[a-z_]{1,30}")


def _field(request: HttpRequest) -> str:
    field = request.GET.get("field", "")
    return field if FIELD_NAME.fullmatch(field) else "settlement"


@requires("places.view_place")
@require_GET
def autocomplete(request: HttpRequest) -> HttpResponse:
    """Return the places whose name matches `q` in any script, as a list to pick from."""
    field = _field(request)
    # `q`, or the picker's own search box, named after its field so forms never clash.
    query = (request.GET.get("q") or request.GET.get(f"{field}_q", ""))[:100].strip()
    places = place_search(query, limit=AUTOCOMPLETE_LIMIT) if len(query) >= MIN_QUERY else []
    context = {"places": places, "query": query, "field": field}
    return render(request, "places/_autocomplete.html", context)


@requires("places.view_place")
@require_GET
def pick(request: HttpRequest) -> HttpResponse:
    """Return the picker holding the chosen place, or empty again when `id` is absent."""
    place = None
    if place_id := request.GET.get("id", "")[:64]:
        try:
            place = place_get(place_id)
        except NotFound:
            place = None
    response = render(request, "places/_picker.html", {"place": place, "field": _field(request)})
    # Lets a filter form refresh its results as soon as a place is picked or cleared.
    response["HX-Trigger-After-Settle"] = "placePicked"
    return response
