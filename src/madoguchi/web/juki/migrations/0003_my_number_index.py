"""Issue #13: one 個人番号 for one resident — a keyed hash index (never the number in clear), computed for the
residents already stored, then made unique."""

from django.db import migrations, models


def compute_index(apps, schema_editor):
    Resident = apps.get_model("registry", "Resident")
    todo = Resident.objects.exclude(my_number_encrypted="")
    if not todo.exists():
        return
    from madoguchi.web.juki.encryption import keyring, my_number_context

    keys = keyring()  # ImproperlyConfigured naming MADOGUCHI_ENCRYPTION_KEY when none is set
    holders: dict[str, str] = {}
    clashes: list[tuple[str, str]] = []
    for resident in todo.only("id", "atena_no", "my_number_encrypted").iterator(chunk_size=2000):
        number = keys.decrypt_text(resident.my_number_encrypted, my_number_context(resident.atena_no))
        digest = keys.keyed_hash(number, "resident.my_number")
        if digest in holders:
            clashes.append((holders[digest], resident.atena_no))
            continue
        holders[digest] = resident.atena_no
        Resident.objects.filter(pk=resident.pk).update(my_number_index=digest)
    if clashes:
        pairs = "、".join(f"宛名番号 {a} と {b}" for a, b in clashes[:50])
        raise RuntimeError(
            f"同じ個人番号を持つ住民が{len(clashes)}組あります（{pairs}）。住基の記録を正してから取り込み直し、"
            "もう一度 migrate してください。"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_foreign_resident_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="my_number_index",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(compute_index, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="resident",
            name="my_number_index",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
    ]
