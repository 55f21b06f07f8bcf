"""The demo's messages: what arrives through the channels on the Sudzha morning.

Delivered through the same intake as the real webhooks, so the demo shows each
channel's timeline entries and acknowledgements. Loading twice delivers nothing new:
each message keeps its sender's id.
"""

from dataclasses import dataclass

from reliefline.channels.models import KoboMapping, Medium, Sender
from reliefline.channels.services import ACK_REPLY, ACK_SEND, Inbound, message_receive
from reliefline.hotline.models import Channel

# The woman of story 1 (hotline.demo's INSULIN_PHONE) writes again by SMS: her message
# joins her open case and she is answered in Russian.
MESSAGES = (
    Inbound(
        sender=Sender.TWILIO,
        external_id="SMdemo0000000000000000000000000001",
        channel=Channel.SMS,
        text="Это снова Соколова из Суджи. Инсулина осталось на один день. Когда автобус?",
        medium=Medium.SMS,
        address="+79100000001",
        phone="+79100000001",
        acknowledge=ACK_REPLY,
    ),
    Inbound(
        sender=Sender.TELEGRAM,
        external_id="905420001",
        channel=Channel.TELEGRAM,
        text="Добрий день! Ми в Гуєво, нас п'ятеро, немає води третій день. Потрібна евакуація.",
        medium=Medium.TELEGRAM,
        address="5011220001",
        given_name="Олена",
        family_name="Ткаченко",
        language_hint="uk",
        acknowledge=ACK_SEND,
    ),
    Inbound(
        sender=Sender.WEB,
        external_id="demo-web-0001",
        channel=Channel.WEB,
        text="My grandmother (84) is alone in Sudzha, she uses a wheelchair. Please evacuate her.",
        phone="+491701234567",  # typed on the form: links to nobody (services.inbound)
        given_name="Lena",
        family_name="Schmidt",
    ),
)


@dataclass(frozen=True)
class DemoResult:
    delivered: int
    repeated: int


def demo_load() -> DemoResult:
    """Return how many demo messages were new; also offer a sample Kobo form mapping.

    Needs the hotline demo (story 1's case) and the gazetteer loaded first.
    """
    KoboMapping.objects.get_or_create(
        form_id="aDemoSudzhaHouseholdAssessment",
        defaults={
            "name": "Sudzha household assessment (demo)",
            "phone": "household/phone",
            "given_name": "household/respondent_given",
            "family_name": "household/respondent_family",
            "settlement": "location/settlement",
            "household_size": "household/size",
            "message": "needs/details",
            "needs": "needs/needs_list",
            "vulnerabilities": "needs/vulnerable",
        },
    )
    delivered = repeated = 0
    for message in MESSAGES:
        if message_receive(message).duplicate:
            repeated += 1
        else:
            delivered += 1
    return DemoResult(delivered=delivered, repeated=repeated)
