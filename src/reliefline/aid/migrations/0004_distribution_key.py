"""Keep each distribution's idempotency key with it, once per user.

The request's own row is forgotten after 30 days (access.idempotency.REMEMBERED); a
phone that kept a distribution longer without signal must still not record it twice.
Existing distributions have no key (empty), which the constraint does not count.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aid", "0003_sphere_standards"),
        ("people", "0007_person_field_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="distribution",
            name="key",
            field=models.CharField(blank=True, default="", editable=False, max_length=255),
        ),
        migrations.AddConstraint(
            model_name="distribution",
            constraint=models.UniqueConstraint(
                condition=models.Q(("key", ""), _negated=True),
                fields=("by", "key"),
                name="distribution_once_per_key",
            ),
        ),
    ]
