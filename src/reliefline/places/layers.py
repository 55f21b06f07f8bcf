"""What other apps add to the situation map and to a settlement's page.

places sits below every app that has something to show on a map, so it cannot ask
them; they register here instead, from their AppConfig.ready():

    from reliefline.places.layers import register_layer, register_section

    register_layer("corridors", _("Corridors"), corridors_geojson,
                   permission="evacuation.view_corridor")
    register_section("distributions", _("Distributions"), distributions_rows,
                     permission="aid.view_stock")

A layer provider takes the requesting user and returns a GeoJSON FeatureCollection
(a dict). Points are drawn as circles, LineStrings as lines; places/map.js reads
these feature properties:

- `title` (str): the popup's first line;
- `details` (list of str): further popup lines;
- `tone` ("ok", "warn", "bad", "info" or "muted"): the colour;
- `size` (int, optional): a circle's radius in pixels (4 to 30).

Never a feature per person: aggregate per settlement, as the needs layer does.

A section provider takes the settlement (a Place) and the user and returns rows
of (label, value) for the settlement page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from reliefline.places.models import Place

Reader = User | AnonymousUser
LayerProvider = Callable[[Reader], dict[str, Any]]
SectionProvider = Callable[[Place, Reader], list[tuple[str, str]]]
TONES = ("ok", "warn", "bad", "info", "muted")


@dataclass(frozen=True)
class Layer:
    key: str
    title: str
    provider: LayerProvider
    permission: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    provider: SectionProvider
    permission: str


_layers: dict[str, Layer] = {}
_sections: dict[str, Section] = {}


def register_layer(
    key: str, title: Any, provider: LayerProvider, *, permission: str = "places.view_place"
) -> None:
    """Add (or replace, on a reload) the map layer `key`, shown to holders of `permission`."""
    if not key.isidentifier():
        raise ValueError(f"layer key {key!r} must be an identifier")
    _layers[key] = Layer(key, title, provider, permission)


def register_section(
    key: str, title: Any, provider: SectionProvider, *, permission: str = "places.view_place"
) -> None:
    """Add (or replace) the settlement-page section `key`, shown to holders of `permission`."""
    _sections[key] = Section(key, title, provider, permission)


def layers_for(user: Reader) -> list[Layer]:
    """Return the layers the user may see, in registration order."""
    return [layer for layer in _layers.values() if user.has_perm(layer.permission)]


def layer_for(key: str, user: Reader) -> Layer | None:
    """Return the layer if it exists and the user may see it."""
    layer = _layers.get(key)
    return layer if layer is not None and user.has_perm(layer.permission) else None


def sections_for(place: Place, user: Reader) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return (title, rows) of every section the user may see about the settlement."""
    return [
        (str(section.title), section.provider(place, user))
        for section in _sections.values()
        if user.has_perm(section.permission)
    ]


def feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection of these features."""
    return {"type": "FeatureCollection", "features": features}


def point(
    place: Place, *, title: str, details: list[str], tone: str = "info", size: int | None = None
) -> dict[str, Any]:
    """Return a GeoJSON point feature at the settlement, in the properties map.js reads."""
    properties: dict[str, Any] = {"id": place.pk, "title": title, "details": details, "tone": tone}
    if size is not None:
        properties["size"] = max(4, min(30, size))
    return {
        "type": "Feature",
        "id": place.pk,
        "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
        "properties": properties,
    }
