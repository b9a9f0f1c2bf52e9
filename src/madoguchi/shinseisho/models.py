"""The field-map schema of a form template (one YAML file per form in ``CATALOG/forms/``).

Coordinates are millimetres from the **top-left** corner of the page, as DX staff measure them on a printed
様式 with a ruler or read them off ``madoguchi forms grid``. Sizes are points.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from madoguchi.shinseisho.values import parse_value_ref

ID = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=80)]
FIELD_NAME = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]

PAGE_SIZES = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "B5": (182.0, 257.0), "B4": (257.0, 364.0)}

Kind = Literal[
    "text", "kana", "date_wareki", "date_seireki", "checkbox", "digits", "phone", "signature", "postal_code"
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(Strict):
    name: FIELD_NAME
    label: str = Field(min_length=1, description="Japanese label (printed by generated layouts)")
    group: str | None = Field(
        default=None, description="the section it belongs to, e.g. 届出人 (shown at the counter)"
    )
    page: int = Field(default=1, ge=1)
    x: float = Field(ge=0, description="mm from the left edge")
    y: float = Field(ge=0, description="mm from the top edge")
    w: float = Field(gt=0)
    h: float = Field(gt=0)
    kind: Kind = "text"
    value: str | None = Field(
        default=None,
        description="case value: applicant.name, deceased.death_date, case.number, today, fact:NAME, "
        "fact:NAME == VALUE (check boxes), input:KEY (typed at the counter); none for signatures",
    )
    size: float = Field(default=11.0, ge=4, le=40)
    min_size: float = Field(default=7.0, ge=4, le=40)
    align: Literal["left", "center", "right"] = "left"
    max_lines: int = Field(default=1, ge=1, le=20)
    digits: int | None = Field(default=None, ge=1, le=20, description="boxes of a digits field")
    label_w: float = Field(default=0, ge=0, description="generated layouts: label cell width left of the box")
    required: bool = False

    @field_validator("value")
    @classmethod
    def _value(cls, value: str | None) -> str | None:
        if value is not None:
            parse_value_ref(value)  # raises ValueError with the reason
        return value

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if self.min_size > self.size:
            raise ValueError("min_size is larger than size")
        if self.kind == "digits" and self.digits is None:
            raise ValueError("a digits field needs digits: (the number of boxes)")
        if self.kind != "digits" and self.digits is not None:
            raise ValueError("only digits fields have digits:")
        if self.kind == "signature" and self.value is not None:
            raise ValueError("a signature field is signed by hand and has no value")
        if self.kind != "signature" and self.value is None:
            raise ValueError("a field needs value: (use input:KEY for a value typed at the counter)")
        if self.kind == "checkbox" and self.value is not None:
            ref = parse_value_ref(self.value)
            if ref.compare is None and ref.source not in ("fact", "input"):
                raise ValueError("a check box needs a yes/no value such as fact:NAME == VALUE")
        if self.label_w > self.x:
            raise ValueError("label_w is wider than the space left of the box")
        return self

    @property
    def title(self) -> str:
        """The label with its section: 届出人・氏名."""
        return f"{self.group}・{self.label}" if self.group else self.label

    @property
    def value_ref(self):
        return parse_value_ref(self.value) if self.value else None


class StaticText(Strict):
    """Text printed by a generated layout (headings, notes); ignored when the form has a background PDF."""

    page: int = Field(default=1, ge=1)
    x: float = Field(ge=0)
    y: float = Field(ge=0)
    text: str = Field(min_length=1)
    size: float = Field(default=9.0, ge=4, le=40)
    w: float | None = Field(default=None, gt=0, description="wrap width (mm)")
    align: Literal["left", "center", "right"] = "left"


class StaticBox(Strict):
    """A box printed by a generated layout (写真貼付欄, ※市使用欄), with a label in its top-left corner."""

    page: int = Field(default=1, ge=1)
    x: float = Field(ge=0)
    y: float = Field(ge=0)
    w: float = Field(gt=0)
    h: float = Field(gt=0)
    label: str | None = None
    columns: list[str] = Field(default_factory=list, description="cells below the label: 受付, 入力, 確認")
    size: float = Field(default=8.0, ge=4, le=20)


class Marker(Strict):
    """Where the case reference and the QR code go on each page (mm from the top-left)."""

    x: float = Field(default=170, ge=0)
    y: float = Field(default=272, ge=0)
    size: float = Field(default=16, gt=5, le=40, description="QR code side (mm)")


class RowSet(Strict):
    """Rows repeated once per person of a repeated role — the 住民異動届's 世帯員 rows. ``fields`` are laid out
    for the first row; row n is ``pitch`` mm lower. More persons than ``per_page`` rows print the whole form
    again as a continuation sheet (続紙) with the next persons."""

    role: FIELD_NAME = "member"
    label: str = Field(default="世帯員", min_length=1, description="names a row at the counter: 世帯員2")
    per_page: int = Field(ge=1, le=30)
    pitch: float = Field(gt=0, description="mm from the top of one row to the top of the next")
    fields: list[FieldSpec] = Field(min_length=1)

    def expanded(self, index: int) -> list[FieldSpec]:
        """The fields of person ``index`` (0-based) where they print: named ``NAME_n`` (n from 1)."""
        slot = index % self.per_page
        return [
            f.model_copy(
                update={
                    "name": f"{f.name}_{index + 1}",
                    "y": f.y + slot * self.pitch,
                    "group": f"{self.label}{index + 1}",
                }
            )
            for f in self.fields
        ]


class FormTemplate(Strict):
    id: ID
    title: str = Field(min_length=1)
    department: ID | None = Field(default=None, description="default: the procedure's department")
    paper: Literal["A4", "A3", "B5", "B4"] = "A4"
    pages: int = Field(default=1, ge=1, le=20)
    background: str | None = Field(default=None, description="the municipality's PDF, relative to forms/")
    addressee: str | None = Field(default=None, description="generated layouts: e.g. みどり市長 あて")
    marker: Marker = Field(default_factory=Marker)
    texts: list[StaticText] = Field(default_factory=list)
    boxes: list[StaticBox] = Field(default_factory=list)
    fields: list[FieldSpec] = Field(min_length=1)
    rows: RowSet | None = None
    note: str | None = None

    @property
    def page_mm(self) -> tuple[float, float]:
        return PAGE_SIZES[self.paper]

    @property
    def signatures(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.kind == "signature"]

    @property
    def layout_fields(self) -> list[FieldSpec]:
        """Every box printed on one sheet: the fields and every row of ``rows:`` (for layouts and checks)."""
        rows = self.rows
        extra = [f for i in range(rows.per_page) for f in rows.expanded(i)] if rows else []
        return [*self.fields, *extra]

    @model_validator(mode="after")
    def _check(self) -> FormTemplate:
        seen: set[str] = set()
        for f in self.fields:
            if f.name in seen:
                raise ValueError(f"field name {f.name!r} is used twice")
            seen.add(f.name)
            if f.page > self.pages:
                raise ValueError(f"field {f.name}: page {f.page} but the form has {self.pages} page(s)")
        if self.rows is not None:
            rows = self.rows
            _, height = self.page_mm
            for f in rows.fields:
                if f.name in seen:
                    raise ValueError(f"field name {f.name!r} is used twice (in fields and rows)")
                if f.page > self.pages:
                    raise ValueError(
                        f"row field {f.name}: page {f.page} but the form has {self.pages} page(s)"
                    )
                if f.y + (rows.per_page - 1) * rows.pitch + f.h > height:
                    raise ValueError(
                        f"row field {f.name}: the last of {rows.per_page} rows ends below the page "
                        f"({f.y + (rows.per_page - 1) * rows.pitch + f.h:.1f} mm of {height:.0f} mm)"
                    )
        for f in self.fields:
            ref = f.value_ref
            if ref is not None and ref.role == (self.rows.role if self.rows else "member"):
                raise ValueError(f"field {f.name}: {ref.name} is a row's value; put it under rows:")
        for t in [*self.texts, *self.boxes]:
            if t.page > self.pages:
                raise ValueError(f"text or box on page {t.page} but the form has {self.pages} page(s)")
        return self
