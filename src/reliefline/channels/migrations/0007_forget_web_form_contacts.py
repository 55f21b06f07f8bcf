"""Forget the contact addresses the public web form wrote before it stopped doing so.

A phone typed on the web form is unverified (services.inbound._vouched): the form
no longer records it as a contact, since the next SMS from that phone would
otherwise join the case of whoever typed it. A contact whose person has written only
through the web form was written by it, and goes. Its person's notices then go to
their phone by SMS, as for anyone without a contact.

Going back restores nothing: the addresses were never the person's to begin with.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef

WEB = "web"


def forget(apps, schema_editor):
    Contact = apps.get_model("channels", "Contact")
    InboundMessage = apps.get_model("channels", "InboundMessage")
    wrote = InboundMessage.objects.filter(person_id=OuterRef("person_id"))
    Contact.objects.filter(
        Exists(wrote.filter(sender=WEB)), ~Exists(wrote.exclude(sender=WEB))
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("channels", "0006_notice_corridor_closed")]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
