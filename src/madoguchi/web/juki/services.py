"""What the registry and the card do to a case: set a person (and every fact the registry knows), override a
fact with a reason, store a card reading (evidence encrypted) and fill the applicant from it."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.case.sources import CARD_ITEMS, accepted_facts, from_card, from_registry, person_facts
from madoguchi.juki.facts import facts_for_catalog, proposed_facts
from madoguchi.web import requestjson
from madoguchi.web.counter.models import Case, CaseFact, CasePerson
from madoguchi.web.counter.services import current_catalog, save_answer
from madoguchi.web.counter.snapshots import NOT_IN_REGISTRY, fill_row
from madoguchi.web.juki.encryption import card_number_context, evidence_context, keyring
from madoguchi.web.juki.models import CardEvidence, CaseRegistryLink, FactOverride, Resident

EVIDENCE_KEYS = {"ef0001", "ef0002", "ef0003", "ef0004"}
MAX_EVIDENCE_CHARS = 16_000
MAX_CARD_POST_BYTES = 4 * MAX_EVIDENCE_CHARS + 1024  # the four files as base64 text, and the braces


class CardPostError(ValueError):
    pass


def _event_day(case: Case) -> date:
    return timezone.localdate()


def registry_facts_for(case: Case, resident: Resident, role: str) -> dict[str, Any]:
    catalog = current_catalog()
    members = [m.to_record() for m in resident.household.members.all()]
    record = next(m for m in members if m.atena_no == resident.atena_no)
    proposed = proposed_facts(record, members, role, on=_event_day(case))
    return facts_for_catalog(proposed, catalog, case.event_id)


def attach_resident(case: Case, resident: Resident, role: str, user) -> list[str]:
    """「この方を案件に設定」: the case person from the registry and every fact the registry knows (source 住基).
    A fact the clerk overrode with a reason on this case is not replaced."""
    catalog = current_catalog()
    facts = registry_facts_for(case, resident, role)
    overridden = set(FactOverride.objects.filter(case=case).values_list("fact", flat=True))
    with transaction.atomic():
        person = CasePerson.objects.filter(case=case, role=role).first() or CasePerson(case=case, role=role)
        fill_row(person, from_registry(resident.to_record()), keep=NOT_IN_REGISTRY)
        if role != "deceased":
            person.death_date = None  # a 死亡日 only on the deceased's role
        if role == "applicant":
            relation = _relationship_to_deceased(case, resident)
            if relation:
                person.relationship = relation
        person.updated_by = user
        person.save()
        filled = []
        for name, value in facts.items():
            if name in overridden:
                continue
            save_answer(case, catalog.facts[name], value, user, source=CaseFact.Source.REGISTRY)
            filled.append(name)
        CaseRegistryLink.objects.update_or_create(
            case=case,
            role=role,
            defaults={
                "resident": resident,
                "facts": filled,
                "attached_by": user,
                "attached_at": timezone.now(),
            },
        )
    return filled


def _relationship_to_deceased(case: Case, applicant: Resident) -> str:
    """The applicant's 続柄 seen from the deceased, when the registry makes it plain: the deceased was the
    世帯主 of the applicant's household (the registry's 続柄 is to the 世帯主)."""
    link = CaseRegistryLink.objects.filter(case=case, role="deceased").select_related("resident").first()
    if link is None or link.resident.household_id != applicant.household_id:
        return ""
    if link.resident.relationship == "世帯主" and applicant.relationship != "世帯主":
        return applicant.relationship
    return ""


def override_fact(case: Case, fact, value: Any, reason: str, user) -> FactOverride:
    """Replace a fact with the clerk's value and reason: the one write path records the FactOverride."""
    with transaction.atomic():
        save_answer(case, fact, value, user, source=CaseFact.Source.INTERVIEW, reason=reason)
        return FactOverride.objects.filter(case=case, fact=fact.name).order_by("-at", "-id").first()


# --- the card --------------------------------------------------------------------------------------------


def server_trust():
    """The server's own trust store for re-verifying what the counter page posts: MADOGUCHI_CARD_CA_KEY (the
    J-LIS CA key file), test-hierarchy keys only with MADOGUCHI_CARD_TEST_MODE=1 (demo, tests)."""
    from madoguchi.card.signature import CA_KEY_ENV, production_store

    if not os.environ.get(CA_KEY_ENV):
        return None
    store = production_store()
    store.test_mode = os.environ.get("MADOGUCHI_CARD_TEST_MODE") == "1"
    return store


def parse_card_post(body: bytes) -> dict[str, str]:
    try:
        payload = requestjson.parse(body, max_bytes=MAX_CARD_POST_BYTES, max_depth=4)
    except requestjson.JsonBodyError as exc:
        raise CardPostError(str(exc)) from None
    if not isinstance(payload, dict):
        raise CardPostError("body must be a JSON object")
    evidence = payload.get("evidence")
    if not isinstance(evidence, dict) or not evidence or set(evidence) - EVIDENCE_KEYS:
        raise CardPostError("evidence must hold the card files ef0001..ef0004")
    if not all(isinstance(v, str) and len(v) <= MAX_EVIDENCE_CHARS for v in evidence.values()):
        raise CardPostError("evidence values must be base64 text")
    return evidence


def store_card_reading(case: Case, evidence: dict[str, str], user) -> tuple[CardEvidence, bool]:
    """Decode the posted files on the server (the page's own decoding is not trusted), keep them encrypted,
    and fill the applicant (source カード) only when the signature is valid. Returns (record, filled)."""
    from madoguchi.card.errors import CardError
    from madoguchi.card.reading import decode, files_from_evidence

    try:
        reading = decode(files_from_evidence(evidence), server_trust())
    except CardError as exc:
        raise CardPostError(f"card data: {exc.code}") from None
    keys = keyring()
    number = reading.my_number.reveal() if reading.my_number else ""
    valid = reading.signature.status == "valid"
    catalog = current_catalog()
    with transaction.atomic():
        record = CardEvidence(case=case, role="applicant", read_by=user)
        record.save()  # the primary key is part of the encryption context
        record.evidence_encrypted = keys.encrypt_text(
            json.dumps(evidence, sort_keys=True), evidence_context(case.pk)
        )
        record.my_number_encrypted = keys.encrypt_text(number, card_number_context(case.pk)) if number else ""
        record.my_number_last4 = number[-4:]
        record.signature = reading.signature.status
        record.test_mode = reading.test_mode
        record.result = reading.public_dict()
        record.save()
        if valid:
            card_person = from_card(reading.attributes)
            person = CasePerson.objects.filter(case=case, role="applicant").first() or CasePerson(
                case=case, role="applicant"
            )
            fill_row(person, card_person, only=CARD_ITEMS)
            person.updated_by = user
            person.save()
            # The catalog decides what the card may fill: facts of this event that list `card` as a source.
            offered = person_facts(card_person, "applicant")
            for name, value in accepted_facts(offered, catalog.facts, case.event_id, "card").items():
                save_answer(case, catalog.facts[name], value, user, source=CaseFact.Source.CARD)
    return record, valid


def reveal_card_number(record: CardEvidence) -> str:
    if not record.my_number_encrypted:
        return ""
    return keyring().decrypt_text(record.my_number_encrypted, card_number_context(record.case_id))


def reverify_card_reading(record: CardEvidence) -> str:
    """Decrypt the stored raw files and check them again with the server's current trust store (e.g. after the
    CA key was configured or rotated). Returns "valid", "invalid" or "not_checked"."""
    from madoguchi.card.errors import CardError
    from madoguchi.card.reading import decode, files_from_evidence

    evidence = json.loads(keyring().decrypt_text(record.evidence_encrypted, evidence_context(record.case_id)))
    try:
        reading = decode(files_from_evidence(evidence), server_trust())
    except CardError:
        return "invalid"
    return reading.signature.status
