"""The situation map, the sources side by side, and a settlement's page."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reliefline.access.auth import requires
from reliefline.errors import InvalidInput, NotFound
from reliefline.forms import DateField
from reliefline.places.layers import feature_collection, layer_for, layers_for, point, sections_for
from reliefline.places.models import ATTRIBUTE_VALUES, Attribute, Claim, Place, value_label
from reliefline.places.selectors import (
    Agreement,
    agreement_of,
    claims_latest,
    claims_of,
    claims_summary,
    place_get,
)

TONE = {
    Agreement.AGREE: "ok",
    Agreement.DISAGREE: "bad",
    Agreement.SINGLE: "warn",
}


def _filters(request: HttpRequest) -> tuple[str, dt.date | None, InvalidInput | None]:
    """Return the attribute, the day asked for, and the refusal of a day that is none.

    A well-formed but impossible day (2024-02-30), like any other that is not a date,
    is refused as the API refuses it; the map then shows today's picture.
    """
    attribute = request.GET.get("attribute", Attribute.CONTROL)
    if attribute not in ATTRIBUTE_VALUES:
        attribute = Attribute.CONTROL
    # The API's words for the same mistake (reliefline.api.PROBLEMS), in the reader's language.
    as_of_field = DateField(
        required=False, error_messages={"invalid": _("Enter a real date as YYYY-MM-DD.")}
    )
    try:
        as_of = as_of_field.clean(request.GET.get("as_of", "")[:10])
    except ValidationError as error:
        return attribute, None, InvalidInput(error.messages[0], field="as_of")
    return attribute, as_of, None


def _claim_line(claim: Claim) -> str:
    return f"{claim.source.display_name}: {claim.value_label} ({claim.stated_at.isoformat()})"


@requires("places.view_claim")
@require_GET
def situation(request: HttpRequest) -> HttpResponse:
    """Return the situation page: the sources side by side, the map, the disagreements."""
    attribute, as_of, refused = _filters(request)
    summary = claims_summary(attribute=attribute, as_of=as_of)
    query = f"?attribute={attribute}" + (f"&as_of={as_of.isoformat()}" if as_of else "")
    config = {
        "tiles": settings.RELIEFLINE_MAP_TILES,
        "attribution": settings.RELIEFLINE_MAP_ATTRIBUTION,
        "center": [51.2, 35.3],
        "zoom": 9,
        "settlements": reverse("places:map_settlements") + query,
        "settlementsTitle": _("Settlements: do the sources agree?"),
        "layers": [
            {
                "key": layer.key,
                "title": str(layer.title),
                "url": reverse("places:map_layer", args=[layer.key]),
            }
            for layer in layers_for(request.user)
        ],
    }
    context: dict[str, Any] = {
        "summary": summary,
        "attribute": attribute,
        "attribute_label": Attribute(attribute).label,
        "attributes": Attribute.choices,
        "as_of": as_of,
        "as_of_error": refused.message if refused else "",
        "config": config,
        "disputed": [row for row in summary.settlements if row.agreement == Agreement.DISAGREE],
        "sources": [
            {
                "source": row.source,
                "settlements": row.settlements,
                "values": [
                    {
                        "label": value_label(attribute, v.value),
                        "settlements": v.settlements,
                        "stated_count": v.stated_count,
                    }
                    for v in row.values
                ],
            }
            for row in summary.sources
        ],
    }
    return render(request, "places/situation.html", context, status=422 if refused else 200)


@requires("places.view_claim")
@require_GET
def map_settlements(request: HttpRequest) -> JsonResponse:
    """Return the gazetteer as GeoJSON points coloured by the sources' agreement."""
    attribute, as_of, refused = _filters(request)
    if refused:
        return JsonResponse(refused.as_dict(), status=refused.status)
    rows = {
        row.place.pk: row for row in claims_summary(attribute=attribute, as_of=as_of).settlements
    }
    features = []
    for place in Place.objects.order_by("pk"):
        row = rows.get(place.pk)
        if row is None:
            features.append(
                point(
                    place,
                    title=place.display_name(),
                    details=[_("No claim.")],
                    tone="muted",
                    size=4,
                )
            )
            continue
        details = [_claim_line(c) for c in row.claims]
        features.append(
            point(
                place, title=place.display_name(), details=details, tone=TONE[row.agreement], size=8
            )
        )
    return JsonResponse(feature_collection(features), content_type="application/geo+json")


@requires("places.view_place")
@require_GET
def map_layer(request: HttpRequest, key: str) -> JsonResponse:
    """Return a registered layer (corridors, warehouses, needs per settlement) as GeoJSON."""
    layer = layer_for(key, request.user)
    if layer is None:
        raise Http404(key)
    return JsonResponse(layer.provider(request.user), content_type="application/geo+json")


@requires("places.view_claim")
@require_GET
def settlement(request: HttpRequest, place_id: str) -> HttpResponse:
    """Return a settlement's page: every attribute's claims side by side with provenance,
    the timeline of claims, and what other apps register about it (needs, aid...)."""
    try:
        place = place_get(place_id)
    except NotFound:
        raise Http404(place_id) from None
    rows = []
    for attribute, label in Attribute.choices:
        latest = claims_latest(place_id=place.pk, attribute=attribute)
        if latest:
            rows.append({"label": label, "claims": latest, "agreement": agreement_of(latest)})
    context = {
        "place": place,
        "rows": rows,
        "timeline": list(claims_of(place_id=place.pk)[:200]),
        "sections": sections_for(place, request.user),
        "show_notes": request.user.has_perm("places.add_claim"),
        "show_cases": request.user.has_perm("hotline.view_case"),
    }
    return render(request, "places/settlement.html", context)
