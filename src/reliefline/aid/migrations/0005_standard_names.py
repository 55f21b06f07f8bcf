"""Name the minimum standards in Ukrainian and Russian too, as items are named.

The plan page showed the seeded English names to every reader. The seeded
standards get their translations; a name a coordinator has already changed, or
translated, is left as it is.
"""

from django.db import migrations, models

# code: (English name as seeded by 0003, Ukrainian, Russian).
NAMES = {
    "water": ("Water, all uses", "Вода для всіх потреб", "Вода для всех нужд"),
    "food": ("Food energy", "Енергетична цінність харчування", "Энергетическая ценность питания"),
}


def name(apps, schema_editor):
    Standard = apps.get_model("aid", "Standard")
    for code, (english, uk, ru) in NAMES.items():
        Standard.objects.filter(code=code, name=english, name_uk="").update(name_uk=uk)
        Standard.objects.filter(code=code, name=english, name_ru="").update(name_ru=ru)


class Migration(migrations.Migration):
    dependencies = [("aid", "0004_distribution_key")]
    operations = [
        migrations.AlterField(
            model_name="standard",
            name="name",
            field=models.CharField(help_text="In English.", max_length=120),
        ),
        migrations.AddField(
            model_name="standard",
            name="name_uk",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AddField(
            model_name="standard",
            name="name_ru",
            field=models.CharField(blank=True, max_length=120),
        ),
        # Going back drops the two columns, and the names with them.
        migrations.RunPython(name, migrations.RunPython.noop),
    ]
