"""Migration channels 0007 forgets the contacts only the web form ever gave."""

import importlib

import pytest
from django.apps import apps

from reliefline.channels.models import Contact, InboundMessage, Medium, Sender
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("reliefline.channels.migrations.0007_forget_web_form_contacts")


def _wrote(person, sender: str, n: int) -> Contact:
    InboundMessage.objects.create(sender=sender, external_id=f"{sender}-{n}", person=person)
    return Contact.objects.create(person=person, medium=Medium.SMS, address=f"+7910000000{n}")


def test_only_the_contacts_of_web_only_writers_go() -> None:
    web_only = _wrote(PersonFactory(), Sender.WEB, 1)
    texted = PersonFactory()
    InboundMessage.objects.create(sender=Sender.WEB, external_id="web-2", person=texted)
    kept = _wrote(texted, Sender.TWILIO, 2)
    sms_only = _wrote(PersonFactory(), Sender.TWILIO, 3)

    migration.forget(apps, None)

    assert set(Contact.objects.values_list("pk", flat=True)) == {kept.pk, sms_only.pk}
    assert not Contact.objects.filter(pk=web_only.pk).exists()
