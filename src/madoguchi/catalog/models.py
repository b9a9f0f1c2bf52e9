"""The catalog schema: what a municipality's YAML files may contain, validated by pydantic.

One catalog folder per municipality. Every YAML file in it may hold any of the top-level keys
``municipality``, ``parameters``, ``departments``, ``events``, ``facts`` and ``procedures``; the loader merges
them, so a catalog can be split by life event (see catalogs/sample/).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from madoguchi.delivery import DELIVERY_ITEMS, DeliveryPluginError, get_plugin, is_item, plugin_ids

ID = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=80)]
FACT_NAME = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$", max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Language codes of translations: ISO 639 ("en", "zh", "ko", "vi", …) or "easy" (やさしい日本語).
LANG = Annotated[str, Field(pattern=r"^(easy|[a-z]{2,3}(-[a-z0-9]+)?)$")]


class FactText(Strict):
    """A fact's texts in another language (resident pages). Anything left out falls back to Japanese."""

    label: str | None = None
    question: str | None = Field(default=None, description="the question for residents in this language")
    help: str | None = None
    choices: dict[str, str] | None = Field(default=None, description="choice value -> label")


class ProcedureText(Strict):
    """A procedure's texts in another language (resident pages)."""

    name: str | None = None
    why: str | None = None
    documents: list[str] | None = None


class Translations(Strict):
    """One language's translations, kept in their own file (``translations: {en: {facts: …, procedures: …}}``)
    so translators do not edit the catalog itself. The loader merges them into ``Fact.i18n``/``Procedure.i18n``."""

    facts: dict[str, FactText] = Field(default_factory=dict)
    procedures: dict[str, ProcedureText] = Field(default_factory=dict)


class MyNumberUse(Strict):
    """One 個人番号利用事務 of the municipality (e.g. 住民基本台帳に関する事務)."""

    id: ID
    name: str = Field(min_length=1, max_length=100)


class Municipality(Strict):
    id: ID
    name: str = Field(min_length=1)
    prefecture: str = Field(min_length=1)
    code: str = Field(pattern=r"^\d{6}$", description="全国地方公共団体コード (6 digits with check digit)")
    postal_code: str | None = Field(default=None, pattern=r"^\d{3}-?\d{4}$")
    address: str | None = None
    phone: str | None = None
    office_hours: str | None = None
    fictional: bool = False
    my_number_uses: list[MyNumberUse] = Field(
        default_factory=list,
        description="the municipality's 番号利用事務 (番号法 別表・条例): the only reasons a full 個人番号 may be shown",
    )

    @field_validator("my_number_uses")
    @classmethod
    def _unique_uses(cls, value: list[MyNumberUse]) -> list[MyNumberUse]:
        seen: set[str] = set()
        for use in value:
            if use.id in seen:
                raise ValueError(f"my_number_uses: {use.id!r} is listed twice")
            seen.add(use.id)
        return value

    def my_number_use(self, use_id: str) -> MyNumberUse | None:
        return next((u for u in self.my_number_uses if u.id == use_id), None)


class Parameter(Strict):
    """A value the municipality edits (an amount, a threshold); rules use it as ``param.NAME``."""

    value: bool | int | float | str
    label: str
    note: str | None = None


class Department(Strict):
    id: ID
    name: str = Field(min_length=1)
    kind: Literal["internal", "external"] = "internal"
    counter: str | None = Field(default=None, description="窓口番号 or counter name")
    location: str | None = None
    phone: str | None = None
    order: int = Field(default=100, description="printing and routing order")
    note: str | None = None
    my_number_uses: list[ID] = Field(
        default_factory=list,
        description="the 番号利用事務 (ids of municipality.my_number_uses) this department does; "
        "empty: its staff never see a full 個人番号 nor search the whole registry",
    )

    @model_validator(mode="after")
    def _internal_only(self) -> Department:
        if self.my_number_uses and self.kind == "external":
            raise ValueError("an external agency cannot list my_number_uses")
        if len(set(self.my_number_uses)) != len(self.my_number_uses):
            raise ValueError("my_number_uses lists a 事務 twice")
        return self

    @property
    def needs_my_number(self) -> bool:
        return bool(self.my_number_uses)


_RESERVED_ROLES = frozenset({"any", "all", "count", "param", "case", "fact"})


def _role_id(value: str) -> str:
    if value in _RESERVED_ROLES:
        raise ValueError(f"{value!r} is a word of the rule language; choose another role id")
    return value


ROLE_ID = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40), AfterValidator(_role_id)]


class Role(Strict):
    """A part a person plays in a case: 亡くなった方, 届出人, 世帯員 (one per household member moving)…

    A person's facts are named with the role's prefix (``member.age``). A ``repeated`` role has several
    persons, each with their own facts; rules reach them through ``any``/``all``/``count`` or a procedure's
    ``per:``."""

    id: ROLE_ID
    label: str = Field(min_length=1)
    repeated: bool = Field(default=False, description="several persons (household members, siblings)")
    description: str | None = None


# The roles of an event written before events declared roles: who the case was about.
_DEFAULT_ROLES = {
    "deceased": [Role(id="deceased", label="亡くなった方"), Role(id="applicant", label="申請者（来庁者）")],
    "applicant": [Role(id="applicant", label="申請者（来庁者）")],
}


class LifeEvent(Strict):
    id: ID
    name: str
    description: str = ""
    date_fact: FACT_NAME = Field(description="the fact holding the event's date (deadlines count from it)")
    subject: ROLE_ID = Field(description="the role whose person the case is about (亡くなった方, 申請者)")
    roles: list[Role] = Field(default_factory=list, description="the persons' roles (default from subject)")
    order: int = 100
    idou_jiyuu: str = Field("", description="the 異動事由 core systems record for it (転入, 転居, 転出)")

    @model_validator(mode="after")
    def _roles(self) -> LifeEvent:
        if not self.roles:
            if self.subject not in _DEFAULT_ROLES:
                raise ValueError(f"declare roles: (subject {self.subject!r} has no default roles)")
            object.__setattr__(self, "roles", list(_DEFAULT_ROLES[self.subject]))
        ids = [r.id for r in self.roles]
        if len(set(ids)) != len(ids):
            raise ValueError("a role is declared twice")
        subject = self.role(self.subject)
        if subject is None:
            raise ValueError(f"subject {self.subject!r} is not one of the roles ({', '.join(ids)})")
        if subject.repeated:
            raise ValueError(f"subject {self.subject!r} must be a role with one person")
        return self

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    @property
    def repeated_roles(self) -> list[Role]:
        return [r for r in self.roles if r.repeated]


FactType = Literal["bool", "int", "date", "choice", "text"]
FactSource = Literal["registry", "card", "interview", "arrivals", "derived"]


class Fact(Strict):
    """An entry of the fact dictionary. ``name`` is set from the mapping key by the loader."""

    name: FACT_NAME
    type: FactType
    label: str = Field(min_length=1, description="short Japanese label")
    question: str | None = Field(default=None, description="question text for staff")
    resident_question: str | None = Field(default=None, description="plain-language text for residents")
    help: str | None = None
    choices: dict[str, str] | None = Field(default=None, description="value -> Japanese label (choice facts)")
    true_text: str | None = Field(default=None, description="reason phrase when a yes/no fact is yes")
    false_text: str | None = Field(default=None, description="reason phrase when a yes/no fact is no")
    unit: str | None = None
    lower_is_heavier: bool = Field(
        default=False, description="a grade where 1 is the heaviest: 「2級以上」 then means grades 1–2"
    )
    min: int | None = None
    max: int | None = None
    sources: list[FactSource] = Field(default_factory=lambda: ["interview"])
    derive: str | None = Field(default=None, description="expression computing this fact from others")
    events: list[ID] = Field(default_factory=list, description="life events that use this fact (empty: all)")
    purpose: Literal["rules", "forms"] = Field(
        default="rules", description="'forms': only filled into forms, so no rule need use it"
    )
    i18n: dict[LANG, FactText] = Field(default_factory=dict, description="translations by language code")

    @property
    def choice_values(self) -> dict[str, str]:
        return self.choices or {}

    @property
    def askable(self) -> bool:
        return self.derive is None and self.question is not None

    def used_in(self, event_id: str) -> bool:
        """Whether life event ``event_id`` uses this fact (a fact naming no events is used by all)."""
        return not self.events or event_id in self.events

    @model_validator(mode="after")
    def _check(self) -> Fact:
        if self.type == "choice":
            if not self.choices or len(self.choices) < 2:
                raise ValueError("a choice fact needs at least two choices (value: label)")
            for value in self.choices:
                if not re.fullmatch(r"[a-z0-9_]+", value):
                    raise ValueError(f"choice value {value!r} must be lower-case letters, digits or _")
        elif self.choices:
            raise ValueError(f"only choice facts have choices (this fact is {self.type})")
        if self.derive is None and self.question is None and self.purpose == "rules":
            raise ValueError("a fact needs a question for staff, or a derive expression")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self


class Deadline(Strict):
    days: int | None = Field(default=None, ge=0)
    months: int | None = Field(default=None, ge=0)
    years: int | None = Field(default=None, ge=0)
    start: FACT_NAME | None = Field(
        default=None, description="date fact counted from (default: the event date)"
    )
    start_label: str | None = Field(default=None, description="e.g. 葬儀の翌日から")
    first_day_counts: bool = Field(
        default=False,
        description="count the start day as day 1 (戸籍法 届出期間); else from the next day (民法140条)",
    )
    basis: str | None = Field(default=None, description="legal basis, e.g. 戸籍法第86条")
    text: str | None = Field(
        default=None, description="how to say it when there is no fixed period (速やかに)"
    )

    @model_validator(mode="after")
    def _check(self) -> Deadline:
        periods = [p for p in (self.days, self.months, self.years) if p is not None]
        if len(periods) > 1:
            raise ValueError("give one of days, months or years")
        if not periods and not self.text:
            raise ValueError("a deadline needs days, months, years or a text such as 速やかに")
        return self


class Source(Strict):
    url: HttpUrl
    checked: date = Field(description="the date the source was last checked")
    title: str | None = None


Handling = Literal["office", "external", "automatic", "guidance"]


class ProcedureDelivery(Strict):
    """What a procedure sends to a core system: a delivery target and 住民記録 standard item names."""

    target: ID
    items: list[str] = Field(min_length=1)
    # A repeated role (member): one record per person of that role on the case — the 住民異動届's records,
    # one per 世帯員 — though the procedure itself is once per household.
    each: ID | None = None

    @field_validator("items")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        for item in value:
            if not is_item(item):
                raise ValueError(
                    f"{item!r} is not a 住民記録 standard item name (known: {'、'.join(DELIVERY_ITEMS)})"
                )
        if len(set(value)) != len(value):
            raise ValueError("an item is listed twice")
        return value


class DeliveryTarget(Strict):
    """A core system the data goes to: a delivery plug-in (file_drop, http) and its typed options."""

    id: ID
    name: str = Field(min_length=1)
    plugin: str
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> DeliveryTarget:
        try:
            plugin = get_plugin(self.plugin)
        except DeliveryPluginError:
            raise ValueError(f"plugin {self.plugin!r} is unknown; known: {', '.join(plugin_ids())}") from None
        problems = plugin.validate_options(self.options)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Procedure(Strict):
    id: ID
    name: str = Field(min_length=1)
    events: list[ID] = Field(min_length=1)
    department: ID
    applies_when: str = Field(default="true", description="rule; 'true' for every case")
    why: str = Field(min_length=1, description="why it applies, in words for the family")
    documents: list[str] = Field(default_factory=list)
    deadline: Deadline | None = None
    fee: str | None = None
    handling: Handling = Field(
        default="office",
        description="office: done at a counter here; external: another agency; "
        "automatic: nothing to do (information); guidance: advice only",
    )
    form: ID | None = None
    per: ROLE_ID | None = Field(
        default=None,
        description="a repeated role: the procedure applies to each of its persons on their own (one outcome, "
        "task and form per person)",
    )
    category: str | None = Field(default=None, description="grouping, e.g. 医療 / 手当・年金 (手帳 guide)")
    timing: Literal["now", "after_handbook"] = "now"
    i18n: dict[LANG, ProcedureText] = Field(default_factory=dict, description="translations by language code")
    note: str | None = None
    sources: list[Source] = Field(min_length=1)
    delivery: list[ProcedureDelivery] = Field(
        default_factory=list, description="data sent to core systems when the case is finished"
    )

    @field_validator("documents")
    @classmethod
    def _documents(cls, value: list[str]) -> list[str]:
        for doc in value:
            if not doc.strip():
                raise ValueError("a document entry is empty")
        return value


class CatalogFile(Strict):
    """One YAML file of a catalog."""

    municipality: Municipality | None = None
    parameters: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Parameter] = Field(
        default_factory=dict
    )
    departments: list[Department] = Field(default_factory=list)
    events: list[LifeEvent] = Field(default_factory=list)
    facts: dict[str, dict[str, Any]] = Field(default_factory=dict)
    procedures: list[Procedure] = Field(default_factory=list)
    delivery_targets: list[DeliveryTarget] = Field(default_factory=list)
    translations: dict[LANG, Translations] = Field(
        default_factory=dict, description="texts for resident pages in other languages (see docs/resident.md)"
    )
