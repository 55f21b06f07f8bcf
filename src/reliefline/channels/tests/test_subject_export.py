"""The data-subject export holds what channels keeps about the person (hotline.subject)."""

import json

import pytest

from reliefline.channels.models import NoticeKind, Sender
from reliefline.channels.services import Inbound, message_receive, notice_send
from reliefline.channels.services.inbound import ACK_NONE
from reliefline.channels.tests.factories import caller_of
from reliefline.hotline.models import Channel
from reliefline.hotline.subject import subject_export

pytestmark = pytest.mark.django_db


def _telegram(text: str, *, update_id: str = "9001") -> Inbound:
    return Inbound(
        sender=Sender.TELEGRAM,
        external_id=update_id,
        channel=Channel.TELEGRAM,
        text=text,
        medium="telegram",
        address="5011220001",
        given_name="Сергей",
        family_name="Мальцев",
        language_hint="ru",
        acknowledge=ACK_NONE,
    )


def test_export_holds_the_telegram_address_the_notices_and_the_messages(
    outbox, user_in, django_capture_on_commit_callbacks
) -> None:
    case = message_receive(_telegram("Нужна вода, нас четверо")).case
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(
            person=caller_of(case),
            kind=NoticeKind.ACKNOWLEDGEMENT,
            context={"reference": str(case.reference)},
            case=case,
        )

    export = subject_export(caller_of(case).pk, by=user_in("dpo")).as_dict()

    assert [(c["medium"], c["address"]) for c in export["contacts"]] == [("telegram", "5011220001")]
    (notice,) = export["notices"]
    assert notice["address"] == "5011220001" and notice["medium"] == "telegram"
    assert str(case.reference) in notice["text"] and notice["status"] == "sent"
    (message,) = export["inbound_messages"]
    assert message["sender"] == "telegram" and message["case"] == case.reference
    assert message["detected"]["needs"] == ["water"]
    json.dumps(export)  # plain JSON, as the API and the command give it


def test_a_web_form_request_is_in_the_export_of_its_cases_caller(user_in) -> None:
    # The web form never links a message to a registered person (channels.md); its
    # message still belongs to the caller of the case it opened.
    case = message_receive(
        Inbound(
            sender=Sender.WEB,
            external_id="web-1",
            channel=Channel.WEB,
            text="Нужны лекарства",
            phone="+79101234567",
            given_name="Ирина",
            family_name="Верещук",
        )
    ).case

    export = subject_export(caller_of(case).pk, by=user_in("dpo")).as_dict()

    assert [m["external_id"] for m in export["inbound_messages"]] == ["web-1"]


def test_another_persons_notices_are_not_in_the_export(outbox, user_in) -> None:
    mine = message_receive(_telegram("Нужна вода")).case
    other = message_receive(
        Inbound(
            sender=Sender.TELEGRAM,
            external_id="9002",
            channel=Channel.TELEGRAM,
            text="Нужен хлеб",
            medium="telegram",
            address="5011229999",
            given_name="Анна",
            family_name="Петренко",
        )
    ).case
    notice_send(
        person=caller_of(other),
        kind=NoticeKind.ACKNOWLEDGEMENT,
        context={"reference": str(other.reference)},
        case=other,
    )

    export = subject_export(caller_of(mine).pk, by=user_in("dpo")).as_dict()

    assert export["notices"] == []
    assert "5011229999" not in json.dumps(export)
