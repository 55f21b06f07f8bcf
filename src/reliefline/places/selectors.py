"""Reads of the gazetteer."""

from django.db.models import Q
from django.utils.translation import gettext as _

from reliefline.errors import NotFound
from reliefline.places.models import Place
from reliefline.text import text_unstorable
from reliefline.translit import skeleton


def place_search(query: str, *, limit: int = 20) -> list[Place]:
    """Return places whose name in any script matches the query, best first.

    "Суджа", "Sudzha" and "Sudja" all find Суджа: the query and every name are
    compared as script-independent skeletons. Exact names rank first, then names
    that start with the query, then larger places.
    """
    key = skeleton(query[:100])
    if not key:
        return []
    condition = Q()
    for word in key.split():
        condition &= Q(search_key__contains=word)
    candidates = list(Place.objects.filter(condition)[:500])

    def rank(place: Place) -> tuple[int, int, str]:
        names = place.search_key.split(" | ")
        exact = 0 if key in names else 1 if any(n.startswith(key) for n in names) else 2
        return (exact, -(place.population or 0), place.name_en)

    return sorted(candidates, key=rank)[:limit]


def place_get(place_id: str) -> Place:
    """Return the settlement with this id, or raise NotFound."""
    place = None if text_unstorable(place_id) else Place.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("No settlement %(id)s.") % {"id": place_id[:64]}, field="id")
    return place
