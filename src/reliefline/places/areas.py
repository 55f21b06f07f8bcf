"""The oblasts and districts of the gazetteer, named in Russian, Ukrainian and English.

settlements.csv names each area once, as the country's own sources write it: Russian
for Kursk and Belgorod oblasts, Ukrainian for Sumy oblast (data/SOURCES.md). The table
below is reliefline's own, not taken from a source, and knows only the handful of
areas that file has. English follows the BGN/PCGN-style adjectival form the
gazetteer's transliterated names use (Sudzhansky District, not Sudzha District). An
area it does not know, as a settlement imported from another file may name, is shown
as stored, in the country's language.
"""

from dataclasses import dataclass

from django.utils import translation

from reliefline.places.names import name_key


@dataclass(frozen=True)
class AdminArea:
    """An oblast or district in the three languages the hotline speaks."""

    ru: str
    uk: str
    en: str


ADMIN_AREAS = (
    AdminArea(ru="Курская область", uk="Курська область", en="Kursk Oblast"),
    AdminArea(ru="Белгородская область", uk="Бєлгородська область", en="Belgorod Oblast"),
    AdminArea(ru="Сумская область", uk="Сумська область", en="Sumy Oblast"),
    AdminArea(ru="Суджанский район", uk="Суджанський район", en="Sudzhansky District"),
    AdminArea(ru="Беловский район", uk="Біловський район", en="Belovsky District"),
    AdminArea(ru="Глушковский район", uk="Глушковський район", en="Glushkovsky District"),
    AdminArea(ru="Кореневский район", uk="Кореневський район", en="Korenevsky District"),
)

# Any of its names finds an area, in any case or script (Курская Область, as the
# GeoNames postal file writes it, is Курская область).
_BY_KEY = {name_key(name): area for area in ADMIN_AREAS for name in (area.ru, area.uk, area.en)}


@dataclass(frozen=True)
class AreaName:
    """An oblast or district as shown, and the language it is written in (for `lang`)."""

    name: str
    language: str


def admin_area_name(stored: str, *, language: str | None = None, stored_language: str) -> AreaName:
    """Return the area named `stored` in the given (or active) language, or as stored.

    `stored_language` is the language the stored name is written in, returned with it
    when the table does not know the area.
    """
    area = _BY_KEY.get(name_key(stored))
    if area is None:
        return AreaName(name=stored, language=stored_language)
    language = (language or translation.get_language() or "en")[:2]
    language = language if language in ("ru", "uk") else "en"
    return AreaName(name=getattr(area, language), language=language)
