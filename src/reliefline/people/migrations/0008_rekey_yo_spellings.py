"""Rekey the persons whose names spell ё the Ukrainian or a romanised way.

reliefline.translit.skeleton now reads ьо, йо and io as ё: Пономарьов, Соловйов and
Ponomariov fold as Пономарёв does. The name_key and the matching keys
(people.PersonKey) stored for a person whose names hold such a spelling were
computed before, and a query no longer computes them, so that person's
family-name blocks would miss. This rewrites the keys of those persons only, and
only where they changed; `reliefline reindex-people` would rebuild every person's.

Going back changes nothing in the database: after deploying the earlier code,
`reliefline reindex-people` rebuilds the matching index for it, and a person's
name_key is rewritten on their next save.
"""

import re
import unicodedata
from collections import defaultdict

from django.db import migrations

# A soft sign or a letter skeleton() reads as и, then an о (Cyrillic or Latin), with
# anything skeleton() drops in between: every name it now folds otherwise matches.
_MAY_SPELL_YO = re.compile(r"[ьъйиіїыijy][^a-zа-яёєіїґ0-9]*[оo]")
BATCH = 1000


def _may_spell_yo(*names: str) -> bool:
    text = unicodedata.normalize("NFKC", " ".join(names)).lower()
    return _MAY_SPELL_YO.search(text) is not None


def rekey(apps, schema_editor):
    """Rewrite name_key and the matching keys of persons whose names may spell ё."""
    from reliefline.people.matching import Identity, KeyKind, blocking_keys, prepare
    from reliefline.translit import skeleton

    Person = apps.get_model("people", "Person")
    PersonKey = apps.get_model("people", "PersonKey")
    names = Person.objects.filter(purged_at__isnull=True).values_list(
        "pk", "given_name", "family_name", "patronymic"
    )
    touched = [pk for pk, *spelled in names.iterator(chunk_size=5000) if _may_spell_yo(*spelled)]
    fields = ("pk", "given_name", "family_name", "patronymic", "birth_date", "phone_index")
    for start in range(0, len(touched), BATCH):
        batch = touched[start : start + BATCH]
        stored = defaultdict(set)
        for person_id, kind, value in PersonKey.objects.filter(person_id__in=batch).values_list(
            "person_id", "kind", "value"
        ):
            stored[person_id].add((kind, value))
        # Only the fields the keys come from: the encrypted phone is never read.
        rows = Person.objects.filter(pk__in=batch).values_list(
            *fields, "name_key", "merged_into_id"
        )
        for pk, given, family, patronymic, born, phone_index, name_key, merged_into in rows:
            new_name_key = skeleton(f"{family} {given}")  # as Person.name_key_for
            if new_name_key != name_key:
                Person.objects.filter(pk=pk).update(name_key=new_name_key)
            if merged_into is not None:
                continue  # a merged record has left the matching index
            identity = Identity(
                given_name=given, family_name=family, patronymic=patronymic, birth_date=born
            )
            keys = blocking_keys(prepare(identity))
            if phone_index:
                keys.add((KeyKind.PHONE, phone_index))
            if keys != stored[pk]:
                PersonKey.objects.filter(person_id=pk).delete()
                PersonKey.objects.bulk_create(
                    PersonKey(person_id=pk, kind=kind, value=value) for kind, value in keys
                )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_person_field_names"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
