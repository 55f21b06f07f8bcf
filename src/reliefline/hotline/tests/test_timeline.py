"""System notes are kept untranslated and read in each reader's language; people's words as written.

The notes a channel's worker writes (see channels/tests/test_timeline_language.py for
a notice end to end) go through case_event_append with a msgid and its params; here
the rendering itself, its fallbacks, where it is shown and how it is stored.
"""

import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from reliefline.hotline.models import Case, CaseEvent, EventKind
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import case_event_append, case_note
from reliefline.hotline.subject import subject_export
from reliefline.hotline.tests.factories import case_api_texts, case_page, open_case
from reliefline.hotline.timeline import choice_param, note_render

pytestmark = pytest.mark.django_db

SENT = gettext_noop("Sent by %(medium)s (%(language)s), attempt %(n)s: %(body)s")
SENT_IN = {
    "en": "Sent by SMS (Russian), attempt 2: Ваш номер RL-1.",
    "uk": "Надіслано через SMS (Російська), спроба 2: Ваш номер RL-1.",
    "ru": "Отправлено через SMS (Русский), попытка 2: Ваш номер RL-1.",
}
LANGUAGES = sorted(SENT_IN)


def _sent_note(case: Case, *, body: str = "Ваш номер RL-1.") -> CaseEvent:
    """Return a note as the worker writes it: no request, so no reader's language."""
    with translation.override("uk"):
        return case_event_append(
            case,
            kind=EventKind.NOTE,
            msgid=SENT,
            params={
                "medium": choice_param(case, "channel"),
                "language": choice_param(case, "language"),
                "n": 2,
                "body": body,
            },
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_system_note_reads_in_the_active_language(language: str) -> None:
    note = _sent_note(open_case(language="ru"))

    with translation.override(language):
        assert note.display_text == SENT_IN[language]


def test_system_note_is_stored_untranslated() -> None:
    note = CaseEvent.objects.get(pk=_sent_note(open_case(language="ru")).pk)

    assert (note.text, note.msgid) == ("", SENT)
    assert note.params["medium"] == {"field": "hotline.case.channel", "value": "sms"}
    assert note.params["n"] == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_page_shows_a_system_note_in_the_readers_language(client_as, language) -> None:
    case = open_case(language="ru")
    _sent_note(case)

    assert f'<span class="event-text">{SENT_IN[language]}</span>' in case_page(
        client_as("operator"), case, language
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_api_shows_a_system_note_in_the_accept_language(api_as, language) -> None:
    case = open_case(language="ru")
    _sent_note(case)

    assert SENT_IN[language] in case_api_texts(api_as("operator"), case, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_operator_note_is_shown_as_written_in_every_language(
    client_as, api_as, user_in, language
) -> None:
    case = open_case()
    case_note(case, text="Sent by SMS: перезвонить в 9:00, 100%", by=user_in("operator"))

    assert "Sent by SMS: перезвонить в 9:00, 100%" in case_page(
        client_as("operator"), case, language
    )
    assert "Sent by SMS: перезвонить в 9:00, 100%" in case_api_texts(
        api_as("operator"), case, language
    )


def test_residents_message_is_shown_as_written_and_an_empty_one_is_translated() -> None:
    case = open_case()
    written = case_event_append(case, kind=EventKind.MESSAGE, text="Нужна вода %(body)s")
    empty = case_event_append(
        case, kind=EventKind.MESSAGE, msgid=gettext_noop("(a message without text)")
    )

    with translation.override("uk"):
        assert written.display_text == "Нужна вода %(body)s"
        assert empty.display_text == "(повідомлення без тексту)"


def test_a_percent_sign_in_a_param_is_shown_as_written() -> None:
    note = _sent_note(open_case(), body="Скидка 50% %(n)s %s {body}")

    with translation.override("ru"):
        assert note.display_text.endswith("попытка 2: Скидка 50% %(n)s %s {body}")


def test_a_msgid_missing_from_the_catalog_reads_in_english() -> None:
    with translation.override("ru"):
        assert note_render("Relayed by %(who)s.", {"who": "RapidPro"}) == "Relayed by RapidPro."


def test_a_missing_param_reads_as_an_ellipsis() -> None:
    with translation.override("ru"):
        assert note_render(SENT, {"n": 3}) == "Отправлено через … (…), попытка 3: …"


@pytest.mark.parametrize(
    ("msgid", "params", "shown"),
    [
        ("%(n)d attempts", {"n": "many"}, "%(n)d attempts"),
        ("100% sure", {}, "100% sure"),
        (SENT, ["not", "a", "mapping"], "Sent by … (…), attempt …: …"),
        (SENT, {"medium": {"field": "gone.model.field", "value": "pigeon"}}, "Sent by pigeon"),
        (SENT, {"medium": {"field": "nonsense", "value": "sms"}}, "Sent by sms"),
        (SENT, {"medium": {"field": "hotline.case.channel", "value": "fax"}}, "Sent by fax"),
    ],
    ids=["wrong-type", "bare-percent", "not-a-mapping", "gone-model", "bad-field", "gone-choice"],
)
def test_params_that_do_not_fit_still_render(msgid, params, shown) -> None:
    with translation.override("en"):
        assert note_render(msgid, params).startswith(shown)


def test_case_page_and_api_survive_a_note_whose_params_do_not_fit(client_as, api_as) -> None:
    case = open_case()
    CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, msgid="%(n)d tries, %(x)s", params={"n": "x", "x": [1]}
    )

    assert "%(n)d tries, %(x)s" in case_page(client_as("operator"), case, "ru")
    assert "%(n)d tries, %(x)s" in case_api_texts(api_as("operator"), case, "ru")


def test_a_row_written_before_notes_were_translated_shows_its_text() -> None:
    case = open_case()
    CaseEvent.objects.create(case=case, kind=EventKind.NOTE, text="Надіслано через SMS.")

    with translation.override("en"):
        assert CaseEvent.objects.get(case=case, kind=EventKind.NOTE).display_text == (
            "Надіслано через SMS."
        )


def test_text_and_msgid_are_never_both_stored() -> None:
    case = open_case()

    with (
        pytest.raises(IntegrityError, match=r"caseevent_text_or_msgid|CHECK constraint failed"),
        transaction.atomic(),
    ):
        CaseEvent.objects.create(case=case, kind=EventKind.NOTE, text="typed", msgid=SENT)


def test_note_params_are_not_stored_in_plain_text() -> None:
    _sent_note(open_case(), body="Збір о 7:00 біля школи №2")

    with connection.cursor() as cursor:
        cursor.execute("SELECT params FROM hotline_caseevent WHERE params <> ''")
        raw = repr(cursor.fetchall())
    assert "школи" not in raw and "7:00" not in raw and raw != "[]"


def test_purge_removes_note_params_and_the_note_still_reads(user_in) -> None:
    case = open_case()
    note = _sent_note(case)
    case_note(case, text="closing", by=user_in("operator"))
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at="2000-01-01T00:00Z")

    cases_purge(days=90)

    note.refresh_from_db()
    assert note.params == {}
    with translation.override("en"):
        assert note.display_text == "Sent by … (…), attempt …: …"


def test_subject_export_shows_system_notes_in_the_active_language(user_in) -> None:
    case = open_case(language="ru")
    _sent_note(case)
    assert case.caller_id is not None

    with translation.override("ru"):
        export = subject_export(case.caller_id, by=user_in("dpo")).as_dict()
    texts = [event["text"] for event in export["cases"][0]["timeline"]]
    assert SENT_IN["ru"] in texts
    json.dumps(export)  # the file the DPO hands over is plain JSON
