"""Fitting never cuts text; value references parse or fail with a reason (property tests)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.case.sources import from_json as person_from_json
from madoguchi.shinseisho.fit import FitError, clusters, fit_text, wrap
from madoguchi.shinseisho.models import FieldSpec
from madoguchi.shinseisho.values import parse_value_ref


def width(cluster: str) -> float:
    return 0.5 if cluster.isascii() else 1.0


japanese = st.lists(
    st.sampled_from(list("山田花子太郎葛西髙橋辻、。）ー 　1234abcアイウエオッャ") + ["葛\U000e0100"]),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    text=japanese,
    box_w=st.floats(20, 400),
    box_h=st.floats(8, 80),
    size=st.floats(6, 16),
    lines=st.integers(1, 4),
)
def test_fit_never_cuts_and_stays_inside(text, box_w, box_h, size, lines):
    min_size = 5.0
    try:
        fit = fit_text(text, width, box_w, box_h, size, min_size, lines)
    except FitError:
        # If it did not fit, it really does not fit in one line at the minimum size.
        assert sum(width(c) for c in clusters(text)) * min_size > box_w + 1e-6 or min_size > box_h
        return
    assert "".join(fit.lines) == text
    assert min_size <= fit.size <= size
    assert len(fit.lines) <= lines
    for line in fit.lines:
        assert sum(width(c) for c in clusters(line)) * fit.size <= box_w + 1e-6


def test_fit_prefers_shrinking_to_wrapping():
    fit = fit_text("山" * 12, width, 100, 40, 10, 7, 3)
    assert fit.lines == ("山" * 12,) and fit.size <= 100 / 12


def test_fit_wraps_when_the_minimum_size_is_not_enough():
    fit = fit_text("山" * 30, width, 100, 40, 10, 7, 3)
    assert len(fit.lines) > 1 and "".join(fit.lines) == "山" * 30


def test_fit_refuses_rather_than_cutting():
    with pytest.raises(FitError):
        fit_text("山" * 200, width, 100, 20, 10, 7, 2)


def test_wrap_keeps_punctuation_off_a_line_start_and_selectors_on_their_base():
    lines = wrap("山山山、山山", width, 1, 3)
    assert not any(line.startswith("、") for line in lines)
    lines = wrap("山山葛\U000e0100山", width, 1, 3)
    assert "".join(lines) == "山山葛\U000e0100山" and all(not line.startswith("\U000e0100") for line in lines)


@pytest.mark.parametrize(
    "text,source,name,compare",
    [
        ("applicant.name", "person", "applicant.name", None),
        ("deceased.death_date", "person", "deceased.death_date", None),
        ("case.number", "case", "number", None),
        ("today", "today", "", None),
        ("fact:deceased.health_insurance == kokuho", "fact", "deceased.health_insurance", ("==", "kokuho")),
        ("fact:funeral.host_is_applicant == false", "fact", "funeral.host_is_applicant", ("==", "false")),
        ("input:bank.number", "input", "bank.number", None),
        ("applicant.sex == 2", "person", "applicant.sex", ("==", "2")),
    ],
)
def test_value_refs(text, source, name, compare):
    ref = parse_value_ref(text)
    assert (ref.source, ref.name, ref.compare) == (source, name, compare)
    assert parse_value_ref(str(ref)) == ref


@pytest.mark.parametrize(
    "text,needle",
    [
        ("applicant.nmae", "unknown person attribute"),
        ("case.owner", "case.owner"),
        ("household.members", "unknown value"),
        ("fact:", "cannot read"),
        ("applicant.name ==", "cannot read"),
        ("__import__('os')", "cannot read"),
    ],
)
def test_bad_value_refs(text, needle):
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        parse_value_ref(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_value_ref_parser_never_crashes(text):
    try:
        ref = parse_value_ref(text)
    except ValueError:
        return
    assert parse_value_ref(str(ref)) == ref


def test_field_schema_errors():
    base = {"name": "x", "label": "X", "x": 10, "y": 10, "w": 20, "h": 8, "value": "applicant.name"}
    FieldSpec.model_validate(base)
    with pytest.raises(ValueError, match="digits"):
        FieldSpec.model_validate({**base, "kind": "digits"})
    with pytest.raises(ValueError, match="min_size"):
        FieldSpec.model_validate({**base, "size": 8, "min_size": 9})
    with pytest.raises(ValueError, match="signature"):
        FieldSpec.model_validate({**base, "kind": "signature"})
    with pytest.raises(ValueError, match="yes/no"):
        FieldSpec.model_validate({**base, "kind": "checkbox"})


@pytest.mark.parametrize(
    "raw,needle",
    [
        ({"birth_date": "2026-13-01"}, "applicant.birth_date"),
        ({"postal_code": "12-34"}, "applicant.postal_code"),
        ({"sex": "x"}, "applicant.sex"),
        ({"nickname": "a"}, "applicant.nickname"),
        ({"name": 3}, "applicant.name"),
    ],
)
def test_person_json_errors_name_the_field(raw, needle):
    with pytest.raises(ValueError, match=needle):
        person_from_json(raw, "applicant")


def test_person_json_accepts_wareki_and_normalises_postal_code():
    p = person_from_json(
        {"birth_date": "昭和30年7月7日", "postal_code": "９９９００１２", "sex": "女"}, "applicant"
    )
    assert p.birth.isoformat() == "1955-07-07" and p.postal_code == "999-0012" and p.sex == "2"


person_values = st.one_of(st.none(), st.text(max_size=40), st.integers(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["name", "kana", "birth_date", "death_date", "sex", "postal_code", "phone", "address", "x"]
        ),
        person_values,
        max_size=6,
    )
)
def test_person_json_never_crashes(raw):
    try:
        person = person_from_json(raw, "deceased")
    except ValueError as exc:
        assert str(exc).startswith("deceased")  # the message names the field
        return
    assert person.postal_code == "" or len(person.postal_code) == 8
