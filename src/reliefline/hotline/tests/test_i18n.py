"""The console and the API speak Ukrainian, Russian and English; the catalogs are whole.

Pages follow the language cookie set by the switcher, else the browser's
Accept-Language; the API follows Accept-Language. The catalog tests read the
committed .po files with a small parser and the committed .mo files with the
stdlib's gettext, so a string left untranslated, a placeholder lost in
translation or a .po edited without recompiling fails here, not in front of an
operator.
"""

import ast
import gettext
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from reliefline.api import _problem
from reliefline.hotline.tests.factories import open_case

ClientAs = Callable[[str], Client]

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGS = ("uk", "ru")
QUEUE = "/hotline/"
SETLANG = "/i18n/setlang/"


# ---- pages ---------------------------------------------------------------------------


@pytest.fixture
def operator(client_as: ClientAs) -> Client:
    return client_as("operator")


def test_queue_is_in_english_without_a_language_choice(operator: Client) -> None:
    page = operator.get(QUEUE).content.decode()

    assert "<h1>Queue</h1>" in page
    assert ">New call</a>" in page


def test_queue_follows_the_ukrainian_language_cookie(operator: Client) -> None:
    operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    page = operator.get(QUEUE).content.decode()

    assert '<html lang="uk" ' in page
    assert "<h1>Черга</h1>" in page
    assert ">Новий дзвінок</a>" in page
    assert ">Зведення</a>" not in page  # operators have no dashboard, in any language
    assert "Населений пункт" in page  # a form label from Python, not the template


@pytest.mark.parametrize(
    ("language", "names"),
    [("uk", ["Суджа", "Борки"]), ("ru", ["Суджа", "Борки"]), ("en", ["Sudzha", "Borki"])],
)
def test_dashboard_names_settlements_in_the_readers_language(
    client_as: ClientAs, gazetteer: None, language: str, names: list[str]
) -> None:
    open_case(settlement_id="geonames-postal:RU-307800")  # Sudzha
    open_case(phone="+79101234568", settlement_id="geonames-postal:RU-307824")  # Borki: no uk name
    coordinator = client_as("coordinator")
    coordinator.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = coordinator.get("/hotline/dashboard/").content.decode()

    for name in names:
        assert f'<th scope="row">{name}</th>' in page


def test_queue_follows_a_russian_accept_language_header(operator: Client) -> None:
    page = operator.get(QUEUE, headers={"Accept-Language": "ru-RU,ru;q=0.9"}).content.decode()

    assert '<html lang="ru" ' in page
    assert "<h1>Очередь</h1>" in page
    assert ">Новый звонок</a>" in page
    assert "Населённый пункт" in page


def test_cookie_wins_over_accept_language(operator: Client) -> None:
    operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    page = operator.get(QUEUE, headers={"Accept-Language": "ru"}).content.decode()

    assert "<h1>Черга</h1>" in page


def test_switcher_post_changes_the_language_of_the_next_page(operator: Client) -> None:
    response = operator.post(SETLANG, {"language": "ru", "next": QUEUE})

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert "<h1>Очередь</h1>" in operator.get(QUEUE).content.decode()

    operator.post(SETLANG, {"language": "uk", "next": QUEUE})

    assert "<h1>Черга</h1>" in operator.get(QUEUE).content.decode()


def test_switcher_offers_each_language_in_its_own_name(operator: Client) -> None:
    operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    page = operator.get(QUEUE).content.decode()

    assert f'action="{SETLANG}"' in page
    for code, name in (("uk", "Українська"), ("ru", "Русский"), ("en", "English")):
        assert re.search(rf'value="{code}" lang="{code}"[^>]*>{name}</button>', page), code
    assert re.search(r'class="lang current"\s+aria-current="true">Русский<', page)


def test_case_page_shows_statuses_and_needs_in_russian(operator: Client) -> None:
    case = open_case()
    operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    page = operator.get(f"/hotline/cases/{case.reference}/").content.decode()

    assert f"Обращение {case.reference}" in page
    assert ">Новое</span>" in page
    assert "Вода" in page


@pytest.mark.parametrize(
    ("language", "areas"),
    [
        ("uk", 'Суджанський район</span>, <span lang="uk">Курська область'),
        ("en", 'Sudzhansky District</span>, <span lang="en">Kursk Oblast'),
    ],
)
def test_case_page_names_district_and_oblast_in_the_readers_language(
    operator: Client, gazetteer: None, language: str, areas: str
) -> None:
    # The gazetteer names Kursk oblast's areas in Russian only (places.areas).
    case = open_case(settlement_id="geonames-postal:RU-307800")
    operator.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = operator.get(f"/hotline/cases/{case.reference}/").content.decode()

    assert areas in page
    assert "Суджанский район" not in page


# ---- API -----------------------------------------------------------------------------

INSULIN_SMS = {
    "channel": "sms",
    "language": "ru",
    "caller": {"given_name": "Ольга", "family_name": "Ковалёва", "phone": "8 910 555-12-34"},
    "needs": [{"type": "medicine", "item": "инсулин", "note": "Инсулин кончается."}],
    "vulnerabilities": ["elderly_75_plus"],
}


@pytest.mark.parametrize(
    ("language", "insulin", "elderly"),
    [
        ("ru", "инсулинозависимый, инсулина нет: +40", "Пожилой человек, 75 лет и старше: +15"),
        ("uk", "інсулінозалежний, інсуліну немає: +40", "Літня людина, 75 років і старше: +15"),
        ("en", "insulin-dependent, no supply: +40", "Elderly, 75 or older: +15"),
    ],
    ids=["ru", "uk", "en"],
)
def test_api_priority_reasons_follow_accept_language(
    api_as: ClientAs, language: str, insulin: str, elderly: str
) -> None:
    response = api_as("operator").post(
        "/api/v1/cases",
        json.dumps(INSULIN_SMS),
        content_type="application/json",
        headers={"Accept-Language": language},
    )

    assert response.status_code == 201
    reasons = response.json()["priority_reasons"]
    assert insulin in reasons
    assert elderly in reasons


def test_api_errors_follow_accept_language(api_as: ClientAs) -> None:
    response = api_as("operator").get("/api/v1/cases/RL-999999", headers={"Accept-Language": "uk"})

    assert response.status_code == 404
    assert "Звернення RL-999999 не знайдено." in response.json()["detail"]


@pytest.mark.parametrize(
    ("language", "problem"),
    [
        ("uk", "Введіть ціле число."),
        ("ru", "Введите целое число."),
        ("en", "Enter a whole number."),
    ],
)
def test_api_validation_problems_follow_accept_language(
    api_as: ClientAs, language: str, problem: str
) -> None:
    body = {"channel": "phone", "language": "ru", "caller": {"phone": "+380501234567"}}
    response = api_as("operator").post(
        "/api/v1/cases",
        {**body, "household_size": "many"},
        content_type="application/json",
        headers={"Accept-Language": language},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "household_size", "problem": problem}]
    assert response.json()["detail"] == f"household_size: {problem}"


def test_api_date_problem_follows_accept_language(api_as: ClientAs) -> None:
    response = api_as("operator").post(
        "/api/v1/cases",
        {"channel": "phone", "language": "ru", "caller": {"birth_date": "2020-02-30"}},
        content_type="application/json",
        headers={"Accept-Language": "uk"},
    )

    assert response.json()["errors"] == [
        {"field": "caller.birth_date", "problem": "Введіть справжню дату у форматі YYYY-MM-DD."}
    ]


def test_a_problem_carries_its_limit() -> None:
    error = {"type": "string_too_long", "msg": "String too long", "ctx": {"max_length": 300}}
    with translation.override("uk"):
        assert _problem(error) == "Не більше 300 символів."


def test_a_choice_problem_lists_the_choices_without_an_english_or() -> None:
    error = {"type": "literal_error", "msg": "…", "ctx": {"expected": "'phone', 'sms' or 'web'"}}
    with translation.override("ru"):
        assert _problem(error) == "Должно быть одним из: 'phone', 'sms', 'web'."


def test_a_problem_reliefline_does_not_know_keeps_pydantics_words() -> None:
    assert _problem({"type": "uuid_parsing", "msg": "Input should be a valid UUID"}) == (
        "Input should be a valid UUID"
    )
    # A known type without the context its text names: pydantic's words, not a crash.
    assert _problem({"type": "string_too_long", "msg": "String too long"}) == "String too long"


# ---- the catalogs --------------------------------------------------------------------

# Brand and product names read the same in every language.
SAME_IN_EVERY_LANGUAGE = {
    "reliefline",
    "SMS",
    "WhatsApp",
    "Telegram",
    "RapidPro",
    "KoboToolbox",
    "Twilio (SMS, WhatsApp)",
    "RapidPro / TextIt",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*\w+\s*\}\}|\{\w*\}")
CYRILLIC = re.compile(r"[а-яА-ЯёЁіІїЇєЄґҐ]")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def forms(self) -> list[str]:
        return [self.msgstr[n] for n in sorted(self.msgstr)]


def po_parse(path: Path) -> list[Entry]:
    """Return the entries of a .po file, the header first, without obsolete (#~) ones.

    Enough of the PO format for what makemessages writes: entries separated by
    blank lines, "#," flags, msgctxt, msgid, msgid_plural, msgstr and msgstr[n],
    each string possibly continued on following "..." lines.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, keyword = Entry(), ""
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
                continue
            if line.startswith("#"):
                continue
            if not line.startswith('"'):
                keyword, _sep, line = line.partition(" ")
            text = ast.literal_eval(line)
            if keyword.startswith("msgstr"):
                n = int(keyword[7:-1]) if keyword.endswith("]") else 0
                entry.msgstr[n] = entry.msgstr.get(n, "") + text
            elif keyword == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            else:
                setattr(entry, keyword, getattr(entry, keyword) + text)
        if entry.msgstr:
            entries.append(entry)
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def catalog(lang: str) -> list[Entry]:
    """Return the translatable entries of the language's catalog, without the header."""
    return [e for e in po_parse(LOCALE / lang / "LC_MESSAGES" / "django.po") if e.msgid]


def header(lang: str) -> Entry:
    return po_parse(LOCALE / lang / "LC_MESSAGES" / "django.po")[0]


def test_po_parser_reads_continued_plural_and_flagged_entries(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: uk\\n"\n\n'
        '#, python-format\nmsgid "%(n)s entry"\nmsgid_plural "%(n)s entries"\n'
        'msgstr[0] "%(n)s запис"\nmsgstr[1] "%(n)s записи"\nmsgstr[2] ""\n"%(n)s записів"\n\n'
        '#, fuzzy\nmsgctxt "band"\nmsgid "High"\nmsgstr "Високий"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Нема"\n',
        encoding="utf-8",
    )

    head, plural, fuzzy = po_parse(po)

    assert head.msgstr == {0: "Language: uk\n"}
    assert plural.msgid_plural == "%(n)s entries"
    assert plural.forms == ["%(n)s запис", "%(n)s записи", "%(n)s записів"]
    assert "python-format" in plural.flags
    assert (fuzzy.msgctxt, fuzzy.msgid, fuzzy.flags) == ("band", "High", {"fuzzy"})


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_header_names_the_language_and_three_plural_forms(lang: str) -> None:
    head = header(lang)
    text = head.msgstr[0]

    assert f"Language: {lang}\n" in text
    assert "Content-Type: text/plain; charset=UTF-8\n" in text
    assert "Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : " in text
    assert "fuzzy" not in head.flags


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_no_fuzzy_or_empty_translation(lang: str) -> None:
    entries = catalog(lang)

    assert len(entries) > 200
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if not all(e.forms)] == []
    assert [e.msgid for e in entries if e.msgid_plural and len(e.forms) != 3] == []


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_translates_rather_than_copies(lang: str) -> None:
    entries = [e for e in catalog(lang) if e.msgid not in SAME_IN_EVERY_LANGUAGE]

    assert [e.msgid for e in entries if e.msgid in e.forms] == []
    assert [e.msgid for e in entries if not all(CYRILLIC.search(f) for f in e.forms)] == []


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_keeps_every_placeholder(lang: str) -> None:
    wrong = [
        (e.msgid, form)
        for e in catalog(lang)
        for n, form in enumerate(e.forms)
        # A singular form may drop the number ("одна особа"), but here none does.
        if placeholders(form) != placeholders(e.msgid_plural if e.msgid_plural else e.msgid)
    ]

    assert wrong == []


def test_ukrainian_and_russian_catalogs_hold_the_same_messages() -> None:
    def ids(lang: str) -> set[tuple[str | None, str]]:
        return {(e.msgctxt, e.msgid) for e in catalog(lang)}

    assert ids("uk") == ids("ru")


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_matches_the_po_file(lang: str) -> None:
    with (LOCALE / lang / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    for e in catalog(lang):
        if e.msgid_plural:
            # 1, 21 → one; 2, 22 → few; 5, 11, 12 → many, in both languages.
            for n, form in ((1, 0), (21, 0), (2, 1), (22, 1), (5, 2), (11, 2), (12, 2)):
                got = (
                    compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                    if e.msgctxt
                    else (compiled.ngettext(e.msgid, e.msgid_plural, n))
                )
                assert got == e.msgstr[form], (e.msgid, n)
        elif e.msgctxt:
            assert compiled.pgettext(e.msgctxt, e.msgid) == e.msgstr[0], e.msgid
        else:
            assert compiled.gettext(e.msgid) == e.msgstr[0], e.msgid


# What makemessages extracts: Django's own keywords, called by these names only. A
# text marked through an alias (`gettext_lazy as _lazy`) is never extracted, and
# reaches the reader in English whatever the catalogs hold.
EXTRACTED = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": None,
    "ngettext_lazy": None,
    "pgettext": 0,
    "pgettext_lazy": 0,
    "pgettext_noop": 0,
    "npgettext": 0,
    "npgettext_lazy": 0,
}
PACKAGE = LOCALE.parent


def marked_texts() -> list[tuple[str, str | None, str]]:
    """Return (where, context, text) of every literal the package marks for translation."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(PACKAGE).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in EXTRACTED:
                continue
            context_at = EXTRACTED[name]
            at = 0 if context_at is None else 1
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            text = args[at] if len(args) > at else None
            if isinstance(text, str):
                context = args[context_at] if context_at is not None else None
                where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                found.append((where, context if isinstance(context, str) else None, text))
    return found


def test_translation_functions_are_imported_under_names_makemessages_knows() -> None:
    aliased = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                aliased += [
                    f"{path.relative_to(PACKAGE)}: {alias.name} as {alias.asname}"
                    for alias in node.names
                    if alias.asname and alias.asname not in EXTRACTED
                ]
    assert aliased == []


def test_every_text_marked_for_translation_is_in_the_catalogs() -> None:
    """A marked text missing here was added after the last `make messages`."""
    texts = marked_texts()
    assert len(texts) > 500  # the walk found the package's texts at all
    for lang in LANGS:
        known = {(e.msgctxt, e.msgid) for e in catalog(lang)}
        missing = [f"{where} {text!r}" for where, ctx, text in texts if (ctx, text) not in known]
        assert missing == [], lang


TRANSLATE_TAG = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<text>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<context>.*?)(?P=cq))?"""
)


def test_every_text_a_template_translates_is_in_the_catalogs() -> None:
    """The templates' {% translate "..." %} texts, as the source check above."""
    texts = [
        (f"{path.relative_to(PACKAGE)}", found["context"], found["text"])
        for path in sorted(PACKAGE.rglob("*.html"))
        for found in TRANSLATE_TAG.finditer(path.read_text(encoding="utf-8"))
    ]
    assert len(texts) > 300
    for lang in LANGS:
        known = {(e.msgctxt, e.msgid) for e in catalog(lang)}
        missing = [f"{where} {text!r}" for where, ctx, text in texts if (ctx, text) not in known]
        assert missing == [], lang
