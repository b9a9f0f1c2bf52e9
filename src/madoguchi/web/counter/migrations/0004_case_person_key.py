"""Persons of a repeated role (each 世帯員 of a household that moves): a case has several persons in one role,
each named by ``key`` (the role for a role with one person, p1, p2 … otherwise)."""

from django.db import migrations, models


def key_from_role(apps, schema_editor):
    CasePerson = apps.get_model("madoguchi", "CasePerson")
    CasePerson.objects.filter(key="").update(key=models.F("role"))


class Migration(migrations.Migration):
    dependencies = [("madoguchi", "0003_case_person_sex_vocabulary")]

    operations = [
        migrations.AddField(
            model_name="caseperson",
            name="key",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(key_from_role, migrations.RunPython.noop),
        migrations.AlterField(model_name="caseperson", name="role", field=models.CharField(max_length=40)),
        migrations.AddField(
            model_name="caseperson",
            name="zokugara",
            field=models.CharField(blank=True, max_length=40, verbose_name="世帯主との続柄"),
        ),
        migrations.RemoveConstraint(model_name="caseperson", name="one_person_per_role"),
        migrations.AddConstraint(
            model_name="caseperson",
            constraint=models.UniqueConstraint(fields=("case", "key"), name="one_person_per_key"),
        ),
    ]
