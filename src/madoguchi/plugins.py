"""One registry type for every plug-in concern (card transports, registry sources, form renderers, delivery
targets; decision 0013). Pure Python: no Django import.

A plug-in is a class with a stable ``id``, a ``title``, typed ``Options`` (a pydantic model that refuses
unknown keys) and ``check_config()`` — the problems an administrator must fix, in words, shown on 設定の確認.
Each concern makes one :class:`PluginRegistry` of its base class, passing its own error class::

    TRANSPORTS = PluginRegistry("card transport", CardTransport, error=TransportError)

    @TRANSPORTS.register
    class VirtualTransport(CardTransport):
        id = "virtual"
        ...

    TRANSPORTS.create("virtual", {"card": "demo"})   # options validated, the plug-in constructed
    TRANSPORTS.check_config("pcsc", {"reader": "…"})  # never raises: a list of problems

A concern's registry module registers its built-in plug-ins when it is imported (plug-in modules import the
concern's base classes, never the other way round), so there is no lazy loading and no import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class PluginError(ValueError):
    """An unknown plug-in id, or options that do not fit the plug-in (a concern may use its own class)."""


class PluginOptions(BaseModel):
    """Base of every plug-in's options: unknown keys are errors (a misspelt option must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Plugin:
    """What a registry holds. Subclasses set ``id``, ``title`` and ``Options``; the registry constructs them
    as ``cls(options=<validated Options>, **context)``."""

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = PluginOptions

    def __init__(self, options: BaseModel):
        self.options = options

    def check_config(self) -> list[Any]:
        """Problems with this configuration on this machine, each shown with ``str()`` (empty: usable)."""
        return []

    def describe(self) -> str:
        """What it is set to use, for the settings page."""
        return self.id


def option_problems(
    exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> list[str]:
    """A plug-in's options that do not validate, one line per problem naming the option:
    ``wait_seconds: Input should be greater than or equal to 0``. ``prefix`` goes before the option's name
    (``options.`` gives ``options.url: …``); a problem of the options as a whole is ``options: …``. With the
    options ``model``, an unknown option's line lists the options there are."""
    known = f"; the options are: {', '.join(model.model_fields)}" if model and model.model_fields else ""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown option (check the spelling{known if len(err['loc']) == 1 else ''}) / 未知の設定項目です"
        elif err["type"] == "missing":
            msg = "required option is missing / 必須の設定項目です"
        lines.append(f"{prefix}{where}: {msg}" if where else f"{prefix.rstrip('.') or 'options'}: {msg}")
    return lines


P = TypeVar("P", bound=Plugin)


class PluginRegistry(Generic[P]):
    """The plug-ins of one concern by stable id. ``kind`` names the concern in messages ("card transport");
    ``base`` is the class every plug-in of the concern extends; ``error`` is raised for an unknown id and for
    options that do not fit (any exception class taking one message)."""

    def __init__(self, kind: str, base: type[P], *, error: type[Exception] = PluginError):
        self.kind = kind
        self.base = base
        self.error = error
        self._plugins: dict[str, type[P]] = {}

    def __repr__(self) -> str:
        return f"<PluginRegistry {self.kind}: {', '.join(self.ids())}>"

    # --- registration ---------------------------------------------------------------------------------------

    def register(self, cls: type[P]) -> type[P]:
        """Add a plug-in class (as a decorator or a call); returns it. A duplicate id is refused."""
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise TypeError(f"a {self.kind} must be a subclass of {self.base.__qualname__}, not {cls!r}")
        plugin_id = cls.__dict__.get("id", "")
        if not isinstance(plugin_id, str) or not ID_PATTERN.fullmatch(plugin_id):
            raise ValueError(
                f"{self.kind} {cls.__qualname__}: id {plugin_id!r} must be lower-case letters, digits or _ "
                "(a letter first, at most 40), set on the class itself"
            )
        options = cls.Options
        if not (isinstance(options, type) and issubclass(options, BaseModel)):
            raise TypeError(f"{self.kind} {plugin_id!r}: Options must be a pydantic model, not {options!r}")
        if options.model_config.get("extra") != "forbid":
            raise TypeError(f"{self.kind} {plugin_id!r}: Options must refuse unknown keys (extra='forbid')")
        if plugin_id in self._plugins:
            raise ValueError(
                f"{self.kind} id {plugin_id!r} is already registered "
                f"({self._plugins[plugin_id].__qualname__}); ids are stable and unique"
            )
        self._plugins[plugin_id] = cls
        return cls

    # --- lookup ---------------------------------------------------------------------------------------------

    def ids(self) -> list[str]:
        return sorted(self._plugins)

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._plugins

    def __iter__(self) -> Iterator[type[P]]:
        """The plug-in classes, by id."""
        return iter([self._plugins[i] for i in self.ids()])

    def __len__(self) -> int:
        return len(self._plugins)

    def unknown_message(self, plugin_id: str) -> str:
        return f"unknown {self.kind} {plugin_id!r} (known: {', '.join(self.ids()) or 'none'})"

    def get(self, plugin_id: str) -> type[P]:
        """The plug-in class; ``error`` naming the known ids when there is none."""
        try:
            return self._plugins[plugin_id]
        except (KeyError, TypeError):
            raise self.error(self.unknown_message(plugin_id)) from None

    # --- options and instances ------------------------------------------------------------------------------

    def options(self, plugin_id: str, options: Mapping[str, Any] | BaseModel | None = None) -> BaseModel:
        """The plug-in's validated options (an instance of its ``Options`` passes as it is); ``error`` naming
        each option that does not fit."""
        cls = self.get(plugin_id)
        model, problems = _validate(cls, options)
        if model is None:
            raise self.error(f"{plugin_id} options: " + "; ".join(problems))
        return model

    def option_problems(self, plugin_id: str, options: Mapping[str, Any] | None = None) -> list[str]:
        """Problems with an id and its options, one line each (``<id> options: <option>: <problem>``)."""
        try:
            cls = self.get(plugin_id)
        except self.error as exc:
            return [str(exc)]
        return [f"{plugin_id} options: {p}" for p in _validate(cls, options)[1]]

    def create(self, plugin_id: str, options: Mapping[str, Any] | BaseModel | None = None, **context) -> P:
        """A configured plug-in: ``cls(options=<validated>, **context)`` (context: what a concern's plug-ins
        take besides their options, e.g. a delivery target's id)."""
        return self.get(plugin_id)(options=self.options(plugin_id, options), **context)

    def check_config(self, plugin_id: str, options: Mapping[str, Any] | None = None, **context) -> list[str]:
        """Everything wrong with an id and its options on this machine, in words, without raising: the
        unknown id, each option that does not fit, what the constructor refused, what ``check_config()``
        finds. Empty: usable."""
        problems = self.option_problems(plugin_id, options)
        if problems:
            return problems
        try:
            plugin = self.create(plugin_id, options, **context)
        except self.error as exc:
            return [str(exc)]
        return [str(p) for p in plugin.check_config()]


def _validate(cls: type[Plugin], options) -> tuple[BaseModel | None, list[str]]:
    if isinstance(options, cls.Options):
        return options, []
    try:
        return cls.Options.model_validate(dict(options or {})), []
    except ValidationError as exc:
        return None, option_problems(exc, model=cls.Options)
