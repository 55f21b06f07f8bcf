"""What the worker notes on a case's timeline reads in each operator's own language.

The worker handles no request, so it writes under the site's default language,
Ukrainian; operators of the same case read in English, Russian and Ukrainian.
"""

import pytest
from django.utils import translation

from reliefline.channels.models import NoticeKind, Sender
from reliefline.channels.services import Inbound, message_receive, notice_send
from reliefline.channels.services.inbound import ACK_REPLY
from reliefline.channels.tests.factories import caller_of
from reliefline.hotline.models import Case
from reliefline.hotline.services import case_note
from reliefline.hotline.tests.factories import case_api_texts, case_page, open_case

pytestmark = pytest.mark.django_db

SENT_BY = {
    "en": "Sent by SMS (Russian), attempt 1: ",
    "uk": "Надіслано через SMS (Російська), спроба 1: ",
    "ru": "Отправлено через SMS (Русский), попытка 1: ",
}
NOT_SENT = {
    "en": "Notice Acknowledgement with case reference not sent: no phone or chat",
    "uk": "Сповіщення Підтвердження з номером звернення не надіслано: немає телефону",
    "ru": "Уведомление «Подтверждение с номером обращения» не отправлено: нет телефона",
}
ANSWERED = {
    "en": "Answered in the reply (Russian): ",
    "uk": "Відповідь надіслано (Російська): ",
    "ru": "Отправлено в ответе на входящее сообщение (Русский): ",
}
WITHOUT_TEXT = {
    "en": "(a message without text)",
    "uk": "(повідомлення без тексту)",
    "ru": "(сообщение без текста)",
}
LANGUAGES = sorted(SENT_BY)


@pytest.fixture
def worker(settings, outbox, django_capture_on_commit_callbacks):
    """Return a function that acknowledges a case as the worker does: no language active."""
    settings.LANGUAGE_CODE = "uk"

    def acknowledge(case: Case) -> str:
        translation.deactivate()
        with django_capture_on_commit_callbacks(execute=True):
            notice = notice_send(
                person=caller_of(case),
                kind=NoticeKind.ACKNOWLEDGEMENT,
                context={"reference": str(case.reference)},
                case=case,
            )
        notice.refresh_from_db()
        return str(notice.body)

    return acknowledge


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_sent_note_is_in_the_readers_language_on_the_casecase_page(
    worker, client_as, language
) -> None:
    case = open_case(language="ru")
    body = worker(case)

    page = case_page(client_as("operator"), case, language)

    assert f'<span class="event-text">{SENT_BY[language]}{body}</span>' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_sent_note_is_in_the_accept_language_in_the_api(worker, api_as, language) -> None:
    case = open_case(language="ru")
    body = worker(case)

    assert SENT_BY[language] + body in case_api_texts(api_as("operator"), case, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_kind_of_an_unsent_notice_is_in_the_readers_language(
    worker, api_as, language
) -> None:
    case = open_case(language="ru", phone="")
    worker(case)

    texts = case_api_texts(api_as("operator"), case, language)

    assert any(text.startswith(NOT_SENT[language]) for text in texts), texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_operators_note_beside_the_workers_is_shown_as_written(
    worker, client_as, api_as, user_in, language
) -> None:
    case = open_case(language="ru")
    worker(case)
    case_note(case, text="Перезвонила, SMS получено: 100%", by=user_in("operator"))

    assert "Перезвонила, SMS получено: 100%" in case_page(client_as("operator"), case, language)
    assert "Перезвонила, SMS получено: 100%" in case_api_texts(api_as("operator"), case, language)


def _received(text: str) -> Case:
    """Return the case of a message taken from a webhook: no reader's language either."""
    translation.deactivate()
    receipt = message_receive(
        Inbound(
            sender=Sender.TWILIO,
            external_id="SM1",
            channel="sms",
            text=text,
            medium="sms",
            address="+79101234567",
            phone="+79101234567",
            language="ru",
            acknowledge=ACK_REPLY,
        )
    )
    return receipt.case


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_answer_in_a_webhooks_reply_is_noted_in_the_readers_language(
    settings, api_as, language
) -> None:
    settings.LANGUAGE_CODE = "uk"
    case = _received("Нужна вода")

    texts = case_api_texts(api_as("operator"), case, language)

    assert "Нужна вода" in texts  # the resident's words, as written
    assert any(text.startswith(ANSWERED[language] + "reliefline:") for text in texts), texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_message_without_text_says_so_in_the_readers_language(
    settings, client_as, language
) -> None:
    settings.LANGUAGE_CODE = "uk"
    case = _received("")

    assert f'<span class="event-text">{WITHOUT_TEXT[language]}</span>' in case_page(
        client_as("operator"), case, language
    )
