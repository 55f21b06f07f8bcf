"""The corridors on the situation map: each route as a line, coloured by its status."""

from typing import Any

from django.utils.translation import gettext, gettext_lazy

from reliefline.evacuation.models import Corridor, CorridorStatus
from reliefline.places.layers import Reader, feature_collection, register_layer

TONES = {
    CorridorStatus.PROPOSED: "muted",
    CorridorStatus.AGREED: "info",
    CorridorStatus.OPEN: "ok",
    CorridorStatus.SUSPENDED: "bad",
    CorridorStatus.CLOSED: "muted",
}


def corridors_layer(user: Reader) -> dict[str, Any]:
    """Return every corridor not closed as a LineString through its stops, in order."""
    features = []
    corridors = Corridor.objects.exclude(status=CorridorStatus.CLOSED).prefetch_related(
        "stops__place"
    )
    for corridor in corridors:
        stops = list(corridor.stops.all())
        if len(stops) < 2:
            continue
        route = " → ".join(stop.place.name_en or stop.place.name_ru for stop in stops)
        features.append(
            {
                "type": "Feature",
                "id": f"corridor-{corridor.pk}",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[stop.place.lon, stop.place.lat] for stop in stops],
                },
                "properties": {
                    "title": corridor.name,
                    "details": [
                        str(CorridorStatus(corridor.status).label),
                        gettext("Toward %(direction)s") % {"direction": corridor.direction},
                        route,
                    ],
                    "tone": TONES[CorridorStatus(corridor.status)],
                },
            }
        )
    return feature_collection(features)


def register() -> None:
    register_layer(
        "corridors",
        gettext_lazy("Corridors"),
        corridors_layer,
        permission="evacuation.view_corridor",
    )
