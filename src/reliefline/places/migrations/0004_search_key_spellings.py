"""Rebuild every settlement's search key with the spellings search now knows.

reliefline.places.services.place_search_key now adds the Ukrainian spelling of a
Russian name where the gazetteer has no Ukrainian one (Кореневе for Коренево), and
spells háček letters out (Sudža). Keys stored before lack them, so those queries
would still find nothing until the next import.

Going back changes nothing: the longer keys only let the earlier code find more.
"""

from django.db import migrations

BATCH = 500


def rekey(apps, schema_editor):
    from reliefline.places.services import place_search_key

    Place = apps.get_model("places", "Place")
    changed = []
    for place in Place.objects.only("pk", "name_ru", "name_uk", "name_en", "search_key"):
        key = place_search_key(place)
        if key != place.search_key:
            place.search_key = key
            changed.append(place)
    Place.objects.bulk_update(changed, ["search_key"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0003_claims"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
