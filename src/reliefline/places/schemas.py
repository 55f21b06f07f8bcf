"""The gazetteer as the JSON API shows it."""

from ninja import Schema

from reliefline.places.models import Place


class PlaceName(Schema):
    ru: str
    uk: str
    en: str


class PlaceOut(Schema):
    id: str
    name: PlaceName
    oblast: str
    district: str
    lat: float
    lon: float


def place_out(place: Place) -> PlaceOut:
    """Return the settlement with its names in all three languages."""
    return PlaceOut(
        id=place.id,
        name=PlaceName(ru=place.name_ru, uk=place.name_uk, en=place.name_en),
        oblast=place.oblast,
        district=place.district,
        lat=place.lat,
        lon=place.lon,
    )
