"""Seed the Sphere minimum standards and the default double-dipping rules.

Both are data a coordinator edits in the admin; this only gives a fresh database
the figures of the Sphere Handbook (2018): water supply standard 2.1 (at least 15
litres per person per day for drinking, cooking and hygiene) and food security
standard 6.1 (2,100 kcal per person per day).
"""

from decimal import Decimal

from django.db import migrations

STANDARDS = [
    ("water", "Water, all uses", "water", "litres", Decimal(15), "Sphere Handbook 2018, WASH 2.1"),
    ("food", "Food energy", "food", "kcal", Decimal(2100), "Sphere Handbook 2018, Food security 6.1"),
]
# kind, at most N per household, per period (days), minimum days between two.
RULES = [
    ("water", 2, 7, 3),
    ("food", 1, 7, 7),
    ("hygiene", 1, 30, 30),
    ("medicine", 4, 30, 0),
]


def seed(apps, schema_editor):
    Standard = apps.get_model("aid", "Standard")
    Rule = apps.get_model("aid", "DistributionRule")
    for code, name, kind, measure, amount, source in STANDARDS:
        Standard.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "measure": measure,
                "per_person_per_day": amount,
                "source": source,
            },
        )
    for kind, most, period, interval in RULES:
        Rule.objects.get_or_create(
            kind=kind,
            defaults={"max_per_period": most, "period_days": period, "min_interval_days": interval},
        )


def unseed(apps, schema_editor):
    apps.get_model("aid", "Standard").objects.filter(code__in=[s[0] for s in STANDARDS]).delete()
    apps.get_model("aid", "DistributionRule").objects.filter(kind__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("aid", "0002_ledger_append_only")]
    operations = [migrations.RunPython(seed, unseed)]
