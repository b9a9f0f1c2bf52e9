"""Issue #13, Medium 5: one 個人番号 is held by one resident across the stored registry (a keyed hash index,
never the number in clear), and an import giving a stored resident's number to another is refused, located."""

import io

import pytest
from django.db import IntegrityError, transaction

from madoguchi.juki.csv_import import ImportFailed, ImportReport, iter_records
from madoguchi.juki.mapping import STANDARD
from madoguchi.web.juki.models import Resident
from madoguchi.web.juki.store import store_records

from .test_import import HEADER


def _row(atena: str, setai: str, number: str) -> str:
    return f"{atena},{setai},架空　二郎,カクウ　ジロウ,1970-05-06,1,世帯主,架空県みどり市本町１丁目２番３号,,,{number},0,0,,,\n"


def _import(text: str) -> ImportReport:
    report = ImportReport()
    return store_records(iter_records(io.BytesIO(text.encode()), STANDARD, report), report)


def test_a_stored_residents_number_is_refused_naming_both_rows(residents):
    holder = Resident.objects.exclude(my_number_encrypted="").order_by("id").first()
    number = holder.reveal_my_number()
    before = Resident.objects.count()
    with pytest.raises(ImportFailed) as info:
        _import(HEADER + _row("990001", "990001", number))
    (error,) = info.value.errors
    assert error.line == 2 and error.column == "個人番号"
    assert holder.atena_no in error.reason and number not in str(error)
    assert Resident.objects.count() == before and not Resident.objects.filter(atena_no="990001").exists()


def test_the_same_resident_again_keeps_its_number(residents):
    holder = Resident.objects.exclude(my_number_encrypted="").order_by("id").first()
    number = holder.reveal_my_number()
    _import(HEADER + _row(holder.atena_no, holder.household.setai_no, number))
    holder.refresh_from_db()
    assert holder.reveal_my_number() == number


def test_the_index_is_a_keyed_hash_and_unique_in_the_database(residents):
    a, b = Resident.objects.exclude(my_number_encrypted="").order_by("id")[:2]
    number = a.reveal_my_number()
    assert a.my_number_index and len(a.my_number_index) == 64 and number not in a.my_number_index
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.filter(pk=b.pk).update(my_number_index=a.my_number_index)


def test_the_migration_computes_the_index_of_stored_residents_and_names_clashes(residents):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("madoguchi.web.juki.migrations.0003_my_number_index")
    stored = dict(Resident.objects.exclude(my_number_index=None).values_list("id", "my_number_index"))
    assert stored
    Resident.objects.update(my_number_index=None)
    migration.compute_index(apps, None)
    assert dict(Resident.objects.exclude(my_number_index=None).values_list("id", "my_number_index")) == stored
    # Two residents holding one number (an import made before the index): named by 宛名番号, not number.
    a, b = Resident.objects.exclude(my_number_encrypted="").order_by("id")[:2]
    number = a.reveal_my_number()
    from madoguchi.web.juki.encryption import keyring, my_number_context

    Resident.objects.filter(pk=b.pk).update(
        my_number_encrypted=keyring().encrypt_text(number, my_number_context(b.atena_no)),
        my_number_index=None,
    )
    Resident.objects.update(my_number_index=None)
    with pytest.raises(RuntimeError) as info:
        migration.compute_index(apps, None)
    assert a.atena_no in str(info.value) and b.atena_no in str(info.value) and number not in str(info.value)
