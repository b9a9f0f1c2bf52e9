"""Storing registry records: import (all-or-nothing, upsert by 宛名番号) and the demo population."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from madoguchi.juki.csv_import import ImportFailed, ImportReport, RowError
from madoguchi.juki.records import ResidentRecord, address_search_key, alias_keys, search_key
from madoguchi.web.juki.encryption import keyring, my_number_context, my_number_index
from madoguchi.web.juki.models import Household, Resident, ResidentAlias

BATCH = 2000
QUAL_KEYS = (
    "kokuho",
    "kouki",
    "kaigo",
    "care_level",
    "nenkin_kind",
    "pension_recipient",
    "child_allowance",
    "handbook_grade",
    "handbook_type",
    "seal_registered",
)
RESIDENT_FIELDS = [
    "household",
    "order",
    "name",
    "name_key",
    "kana",
    "kana_key",
    "kana_confirmed",
    "birth",
    "birth_sort",
    "sex",
    "relationship",
    "address_key",
    "resident_since",
    "status",
    "removal_reason",
    "removal_date",
    "resident_kind",
    "name_alphabet",
    "tsusho",
    "tsusho_kana",
    "nationality",
    "my_number_encrypted",
    "my_number_last4",
    "my_number_index",
    "qualifications",
    "imported_at",
]


NUMBER_COLUMN = "個人番号"


def _number_taken(atena_no: str) -> str:
    return f"個人番号が登録済みの住民（宛名番号 {atena_no}）と重複しています"


class _Writer:
    def __init__(self, source: str, report: ImportReport | None = None):
        self.source = source
        self.report = report or ImportReport()
        # 宛名番号 → keyed hash of the number each row of this import gives (a stored resident this import
        # gives another number no longer holds the old one).
        self.file_index: dict[str, str | None] = {}
        self.keys = keyring()
        self.households: dict[str, int] = {}
        self.pending: list[ResidentRecord] = []
        self.order: dict[str, int] = {}
        # A first import into an empty registry has no old keys to replace: skip the DELETE per batch.
        self.had_aliases = ResidentAlias.objects.exists()

    def add(self, record: ResidentRecord) -> None:
        self.pending.append(record)
        if len(self.pending) >= BATCH:
            self.flush()

    def _stored_conflicts(self) -> bool:
        """Report each pending row whose 個人番号 a stored resident already holds (another 宛名番号, not given
        another number by this import); True when there was one. The hashes are compared, never the numbers."""
        index = {r.atena_no: my_number_index(r.my_number) for r in self.pending}
        self.file_index.update(index)
        wanted = {h: a for a, h in index.items() if h}
        if not wanted:
            return False
        found = False
        lines = {r.atena_no: r.line for r in self.pending}
        holders = Resident.objects.filter(my_number_index__in=list(wanted)).values_list(
            "my_number_index", "atena_no"
        )
        for digest, holder in holders:
            atena = wanted[digest]
            if holder == atena or self.file_index.get(holder, digest) != digest:
                continue  # the same resident again, or one this import gives another number
            self.report.error(lines[atena], NUMBER_COLUMN, _number_taken(holder))
            found = True
        return found

    def flush(self) -> None:
        if not self.pending:
            return
        from django.utils import timezone

        if self._stored_conflicts():
            self.pending.clear()  # nothing more is written: the import is rolled back
            return

        now = timezone.now()
        new = {}
        for r in self.pending:
            if r.setai_no not in self.households and r.setai_no not in new:
                address = r.address + (f"\u3000{r.katagaki}" if r.katagaki else "")
                new[r.setai_no] = Household(
                    setai_no=r.setai_no,
                    postal_code=r.postal_code,
                    address=r.address,
                    katagaki=r.katagaki,
                    address_key=address_search_key(address)[:320],
                    source=self.source,
                    imported_at=now,
                )
        if new:
            Household.objects.bulk_create(
                new.values(),
                update_conflicts=True,
                unique_fields=["setai_no"],
                update_fields=["postal_code", "address", "katagaki", "address_key", "source", "imported_at"],
            )
            for setai, pk in Household.objects.filter(setai_no__in=list(new)).values_list("setai_no", "id"):
                self.households[setai] = pk
        rows = []
        for r in self.pending:
            order = self.order.get(r.setai_no, 0) + 1
            self.order[r.setai_no] = order
            address = r.address + (f"\u3000{r.katagaki}" if r.katagaki else "")
            rows.append(
                Resident(
                    atena_no=r.atena_no,
                    household_id=self.households[r.setai_no],
                    order=order,
                    name=r.name,
                    name_key=search_key(r.name)[:120],
                    kana=r.kana,
                    kana_key=search_key(r.kana)[:220],
                    kana_confirmed=r.kana_confirmed,
                    birth=r.birth_date.to_json(),
                    birth_sort=r.birth_date.sort_date,
                    sex=r.sex,
                    relationship=r.relationship,
                    address_key=address_search_key(address)[:320],
                    resident_since=r.resident_since.to_json() if r.resident_since else None,
                    status=r.status,
                    removal_reason=r.removal_reason,
                    removal_date=r.removal_date.to_json() if r.removal_date else None,
                    resident_kind=r.resident_kind,
                    name_alphabet=r.name_alphabet,
                    tsusho=r.tsusho,
                    tsusho_kana=r.tsusho_kana,
                    nationality=r.nationality,
                    my_number_encrypted=(
                        self.keys.encrypt_text(r.my_number, my_number_context(r.atena_no))
                        if r.my_number
                        else ""
                    ),
                    my_number_last4=r.my_number[-4:] if r.my_number else "",
                    my_number_index=self.file_index.get(r.atena_no),
                    qualifications={
                        k: getattr(r, k) for k in QUAL_KEYS if getattr(r, k) not in (None, "", False)
                    },
                    imported_at=now,
                )
            )
        try:
            with transaction.atomic():
                Resident.objects.bulk_create(
                    rows, update_conflicts=True, unique_fields=["atena_no"], update_fields=RESIDENT_FIELDS
                )
        except IntegrityError:
            # Two residents of this batch swapping numbers with stored ones: the unique index refuses.
            first = self.pending[0].line
            raise ImportFailed(
                [
                    RowError(
                        first,
                        NUMBER_COLUMN,
                        "個人番号が登録済みの住民と重複しています（この行からの2000行のいずれか）",
                    )
                ]
            ) from None
        self._store_aliases()
        self.pending.clear()

    def _store_aliases(self) -> None:
        """Replace the other-name keys of the residents in this batch (a re-import may have dropped a 通称)."""
        keys = {r.atena_no: alias_keys(r) for r in self.pending}
        if self.had_aliases:
            ResidentAlias.objects.filter(resident__atena_no__in=list(keys)).delete()
        wanted = {atena: k for atena, k in keys.items() if k}
        if not wanted:
            return
        ids = dict(Resident.objects.filter(atena_no__in=list(wanted)).values_list("atena_no", "id"))
        ResidentAlias.objects.bulk_create(
            ResidentAlias(resident_id=ids[atena], key=key) for atena, k in wanted.items() for key in k
        )


def store_records(
    records: Iterable[ResidentRecord], report: ImportReport, source: str = "csv"
) -> ImportReport:
    """Store everything in one transaction; roll back and raise :class:`ImportFailed` if ``report`` has errors
    at the end (the records generator fills it as it goes)."""
    try:
        with transaction.atomic():
            writer = _Writer(source, report)
            for record in records:
                if report.errors:
                    # Keep reading to report every bad row, but stop writing: everything will be rolled back.
                    continue
                writer.add(record)
            if not report.errors:
                writer.flush()
            if report.errors:
                transaction.set_rollback(True)
                raise ImportFailed(sorted(report.errors, key=lambda e: e.line))
    except ImportFailed:
        _audit_import("registry.import_failed", source, report)
        raise
    _audit_import("registry.import", source, report)
    return report


def _audit_import(action: str, source: str, report: ImportReport) -> None:
    """Imports are audited (issue #13): counts only, and who ran it on the server (imports run from the
    command line, so there is no signed-in user)."""
    import getpass

    from madoguchi.web.counter.services import audit

    try:
        by = getpass.getuser()
    except (KeyError, OSError):
        by = ""
    audit(None, action, source=source, by=by[:64], **report.summary())


def import_source(source_id: str, options: dict) -> ImportReport:
    from madoguchi.juki import sources

    source = sources.create(source_id, options)
    problems = source.check_config()
    if problems:
        raise ValueError("; ".join(problems))
    report = ImportReport()
    return store_records(source.records(report), report, source=source_id)


def generate_into_db(count: int, seed: int = 1, demo: bool = True) -> ImportReport:
    """Generated fictional residents straight into the database, through the same parser as a CSV file (a
    temporary file, so a million residents do not sit in memory twice)."""
    import csv
    import io
    import tempfile

    from madoguchi.juki.csv_import import iter_records
    from madoguchi.juki.generator import HEADER, iter_rows
    from madoguchi.juki.mapping import STANDARD

    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(iter_rows(count, seed, demo=demo))
        text.flush()
        raw.seek(0)
        report = ImportReport()
        store_records(iter_records(raw, STANDARD, report), report, source="generator")
        text.detach()
    return report
