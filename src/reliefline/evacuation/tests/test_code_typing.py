"""A manifest code finds its passenger however a field phone typed it.

Read off paper and typed on a Russian keyboard, "EV-9DFC-9XCZ" comes as "ЕВ-9DFC-9XCZ"
(Cyrillic Е and В), or without its dashes, or in lower case: the same passenger. A
code of nobody still finds nobody.
"""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reliefline.errors import NotFound
from reliefline.evacuation.models import Placement
from reliefline.evacuation.selectors import (
    LOOKALIKES,
    code_normalise,
    passengers_search,
    placement_by_code,
)
from reliefline.evacuation.services.seats import CODE_ALPHABET
from reliefline.evacuation.tests import factories as f
from reliefline.places.models import Assignment

pytestmark = pytest.mark.usefixtures("gazetteer")

# The Latin letter each Cyrillic look-alike stands for, both cases.
CYRILLIC = {chr(cyrillic): latin for cyrillic, latin in LOOKALIKES.items()}
CYRILLIC.update({cyrillic.lower(): latin for cyrillic, latin in list(CYRILLIC.items())})
SEPARATORS = st.sampled_from(["", "", "-", " ", "--", " - ", "–", "\t"])

codes = st.text(alphabet=CODE_ALPHABET, min_size=8, max_size=8).map(
    lambda raw: f"EV-{raw[:4]}-{raw[4:]}"
)


@st.composite
def retyped(draw: st.DrawFn, code: str) -> str:
    """Return `code` as a field phone might type it: any case, Cyrillic look-alikes,
    the prefix's V as a Russian keyboard spells it (В), dashes dropped, doubled or
    spaced, spaces around."""
    body = code.removeprefix("EV-").replace("-", "")
    typed = [
        draw(st.sampled_from(["E", "e", "Е", "е"])),
        draw(st.sampled_from(["V", "v", "В", "в"])),
    ]
    typed.append(draw(SEPARATORS))
    for i, latin in enumerate(body):
        spellings = [latin, latin.lower(), *(c for c, lat in CYRILLIC.items() if lat == latin)]
        typed.append(draw(st.sampled_from(spellings)))
        typed.append(draw(SEPARATORS) if i == 3 else draw(st.sampled_from(["", "", "", "-", " "])))
    around = draw(st.sampled_from(["", " ", "  ", "\n"]))
    return around + "".join(typed) + around


@st.composite
def one_character_off(draw: st.DrawFn, code: str) -> str:
    """Return `code` with one character of its random part another of the alphabet."""
    at = draw(st.sampled_from([i for i, ch in enumerate(code) if i > 2 and ch != "-"]))
    other = draw(st.sampled_from(CODE_ALPHABET.replace(code[at], "")))
    return code[:at] + other + code[at + 1 :]


def test_the_lookalikes_are_only_of_letters_codes_use() -> None:
    # The alphabet has no O (nor 0, 1, I): a Cyrillic О could only make a code of nobody.
    assert "O" not in CODE_ALPHABET and ord("О") not in LOOKALIKES
    assert all(latin in CODE_ALPHABET for latin in LOOKALIKES.values())
    assert set(CYRILLIC) == set("АВЕКМНРСТХУавекмнрстху")


@given(data=st.data(), code=codes)
def test_a_code_however_typed_reads_as_printed(data: st.DataObject, code: str) -> None:
    assert code_normalise(code) == code
    assert code_normalise(data.draw(retyped(code))) == code


@given(st.text(max_size=40))
def test_normalising_never_crashes_and_twice_is_once(raw: str) -> None:
    once = code_normalise(raw)
    assert once is None or code_normalise(once) == once


TO_CYRILLIC = {ord(latin): cyrillic for cyrillic, latin in CYRILLIC.items() if cyrillic.isupper()}


@pytest.mark.parametrize(
    "typing",
    [
        lambda code: "ЕВ" + code[2:],  # "ЕВ-9DFC-9XCZ", Cyrillic Е and В
        lambda code: code.replace("-", "").lower(),  # "ev6v8alk5y"
        lambda code: code.translate(TO_CYRILLIC).replace("-", " "),
        lambda code: f" {code.replace('-', '--')} ",
        lambda code: code.replace("-", "–"),  # a phone's en dash
    ],
    ids=["cyrillic-prefix", "undashed-lower-case", "cyrillic-spaced", "extra-dashes", "en-dash"],
)
def test_the_spellings_found_in_the_field_find_the_passenger(
    coordinator: User, typing: Callable[[str], str]
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    placement = Placement.objects.get()

    assert placement_by_code(typing(placement.code), convoy=convoy) == placement
    assert passengers_search(convoy, typing(placement.code)) == [placement]


def test_any_code_retyped_finds_its_passenger_and_another_finds_nobody(
    coordinator: User,
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    placement = Placement.objects.get()

    @settings(max_examples=60, deadline=None)
    @given(data=st.data(), code=codes)
    def check(data: st.DataObject, code: str) -> None:
        Placement.objects.filter(pk=placement.pk).update(code=code)  # any code, not one
        assert placement_by_code(data.draw(retyped(code)), convoy=convoy) == placement
        other = data.draw(st.one_of(codes, one_character_off(code)))
        assume(other != code)
        with translation.override("en"), pytest.raises(NotFound, match="No passenger has this"):
            placement_by_code(data.draw(retyped(other)), convoy=convoy)

    check()


def test_the_search_box_finds_the_passenger_by_a_code_however_typed(coordinator: User) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    placement = Placement.objects.get()

    @settings(max_examples=30, deadline=None)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        assert passengers_search(convoy, data.draw(retyped(placement.code))) == [placement]

    check()


def test_the_field_page_boards_a_code_typed_on_a_russian_keyboard(
    coordinator: User, user_in: Callable[[str], User]
) -> None:
    convoy = f.allocated_convoy(by=coordinator)
    placement = Placement.objects.get()
    field_team = user_in("field")
    Assignment.objects.create(user=field_team, place_id=f.SUDZHA)
    phone = Client()
    phone.force_login(field_team)
    typed = "ЕВ" + placement.code[2:].translate(TO_CYRILLIC)  # all in Cyrillic it can be

    answer = phone.post(
        f"/evacuation/convoys/{convoy.pk}/field/mark/",
        {"code": typed, "to": "boarded"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 200, answer.content.decode()
    placement.refresh_from_db()
    assert placement.status == "boarded"
