"""Key rotation: re-encrypt every stored value with the first key of MADOGUCHI_ENCRYPTION_KEY."""

from __future__ import annotations

from django.db import transaction

from madoguchi.web.juki.encryption import (
    card_number_context,
    evidence_context,
    keyring,
    my_number_context,
)
from madoguchi.web.juki.models import CardEvidence, Resident


def rekey(batch: int = 2000) -> dict[str, int]:
    keys = keyring()
    counts = {"residents": 0, "card_readings": 0, "primary_key": keys.primary}
    with transaction.atomic():
        todo = Resident.objects.exclude(my_number_encrypted="").exclude(
            my_number_encrypted__startswith=f"v1:{keys.primary}:"
        )
        for resident in todo.only("id", "atena_no", "my_number_encrypted").iterator(chunk_size=batch):
            context = my_number_context(resident.atena_no)
            plain = keys.decrypt(resident.my_number_encrypted, context)
            resident.my_number_encrypted = keys.encrypt(plain, context)
            # The uniqueness index is keyed by the primary key too.
            resident.my_number_index = keys.keyed_hash(plain.decode("utf-8"), "resident.my_number")
            resident.save(update_fields=["my_number_encrypted", "my_number_index"])
            counts["residents"] += 1
        for record in CardEvidence.objects.all():
            changed = False
            for field, context in (
                ("evidence_encrypted", evidence_context(record.case_id)),
                ("my_number_encrypted", card_number_context(record.case_id)),
            ):
                token = getattr(record, field)
                if token and keys.key_id_of(token) != keys.primary:
                    setattr(record, field, keys.encrypt(keys.decrypt(token, context), context))
                    changed = True
            if changed:
                record.save(update_fields=["evidence_encrypted", "my_number_encrypted"])
                counts["card_readings"] += 1
    return counts
