"""Issue #12 item 13: the stored address search keys are rebuilt with ``address_search_key`` (block numbers
written one way: 1-2-3 / １－２－３ / 1丁目2番3号 / 一丁目二番三号), so residents imported before it are found too."""

from django.db import migrations


def rekey(apps, schema_editor):
    from madoguchi.juki.records import address_search_key

    Household = apps.get_model("registry", "Household")
    Resident = apps.get_model("registry", "Resident")
    for household in Household.objects.only("id", "address", "katagaki").iterator(chunk_size=2000):
        full = household.address + (f"\u3000{household.katagaki}" if household.katagaki else "")
        key = address_search_key(full)[:320]
        Household.objects.filter(pk=household.pk).update(address_key=key)
        Resident.objects.filter(household_id=household.pk).update(address_key=key)


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_my_number_index")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
