"""The generic plug-in registry (madoguchi.plugins): stable ids, typed options, check_config(), and the four
concerns that use it."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from madoguchi.card import transport
from madoguchi.card.errors import TransportError
from madoguchi.delivery import DeliveryPluginError
from madoguchi.delivery import registry as delivery_registry
from madoguchi.juki import sources
from madoguchi.plugins import Plugin, PluginError, PluginOptions, PluginRegistry
from madoguchi.shinseisho import renderers


class Printer(Plugin):
    pass


class LaserOptions(PluginOptions):
    dpi: int = Field(600, ge=72, le=2400, description="resolution")
    paper: Literal["A4", "A3"] = "A4"
    tray: str | None = None


class Laser(Printer):
    id = "laser"
    title = "laser printer"
    Options = LaserOptions

    def __init__(self, options: LaserOptions, room: str = ""):
        super().__init__(options)
        if options.tray == "jammed":
            raise PluginError("tray 'jammed' is not usable")
        self.room = room

    def check_config(self) -> list[str]:
        return [] if self.options.paper == "A4" else ["A3 paper is not loaded"]


def printers() -> PluginRegistry[Printer]:
    registry = PluginRegistry("printer", Printer)
    registry.register(Laser)
    return registry


def test_register_as_decorator_or_call_and_stable_ids():
    registry = printers()

    @registry.register
    class Inkjet(Printer):
        id = "inkjet"
        title = "inkjet"

    assert registry.ids() == ["inkjet", "laser"] and "laser" in registry and len(registry) == 2
    assert list(registry) == [Inkjet, Laser]
    assert registry.get("laser") is Laser


def test_duplicate_ids_are_refused():
    registry = printers()

    class OtherLaser(Printer):
        id = "laser"

    with pytest.raises(ValueError, match=r"printer id 'laser' is already registered \(Laser\)"):
        registry.register(OtherLaser)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Laser)  # the same class twice too
    assert registry.get("laser") is Laser


def test_ids_and_classes_that_cannot_be_registered():
    registry = printers()

    class NoId(Printer):
        pass

    class Inherited(Laser):  # an id must be set on the class itself, not inherited
        pass

    class Spaced(Printer):
        id = "Big Laser"

    for cls in (NoId, Inherited, Spaced):
        with pytest.raises(ValueError, match="must be lower-case letters, digits or _"):
            registry.register(cls)

    class NotAPrinter(Plugin):
        id = "scanner"

    with pytest.raises(TypeError, match="subclass of Printer"):
        registry.register(NotAPrinter)

    class Lax(BaseModel):
        dpi: int = 300

    class LaxOptions(Printer):
        id = "lax"
        Options = Lax

    with pytest.raises(TypeError, match="extra='forbid'"):
        registry.register(LaxOptions)
    assert registry.ids() == ["laser"]


def test_unknown_id_names_the_known_ones():
    registry = printers()
    with pytest.raises(PluginError, match=r"^unknown printer 'plotter' \(known: laser\)$"):
        registry.get("plotter")
    assert registry.check_config("plotter") == ["unknown printer 'plotter' (known: laser)"]
    assert PluginRegistry("printer", Printer).unknown_message("x") == "unknown printer 'x' (known: none)"


def test_options_are_typed_and_each_problem_names_the_option():
    registry = printers()
    laser = registry.create("laser", {"dpi": "1200", "paper": "A4"}, room="2F")
    assert laser.options.dpi == 1200 and laser.room == "2F" and isinstance(laser, Laser)
    assert registry.create("laser").options == LaserOptions()  # defaults
    assert registry.options("laser", LaserOptions(dpi=300)).dpi == 300
    problems = registry.option_problems("laser", {"dpi": 10, "paper": "B5", "colour": "red"})
    assert problems == [
        "laser options: dpi: Input should be greater than or equal to 72",
        "laser options: paper: Input should be 'A4' or 'A3'",
        "laser options: colour: unknown option (check the spelling; the options are: dpi, paper, tray) / "
        "未知の設定項目です",
    ]
    with pytest.raises(PluginError, match=r"^laser options: dpi: Input should be a valid integer"):
        registry.create("laser", {"dpi": "many"})
    assert registry.option_problems("laser", {"tray": "1"}) == []


def test_a_concern_passes_its_own_error_class():
    class PrinterError(Exception):
        pass

    registry = PluginRegistry("printer", Printer, error=PrinterError)
    registry.register(Laser)
    with pytest.raises(PrinterError, match="unknown printer"):
        registry.create("plotter")
    with pytest.raises(PrinterError, match="laser options: paper"):
        registry.create("laser", {"paper": "B5"})


def test_check_config_never_raises():
    registry = printers()
    assert registry.check_config("laser") == []
    assert registry.check_config("laser", {"paper": "A3"}) == ["A3 paper is not loaded"]  # the plug-in's own
    assert registry.check_config("laser", {"tray": "jammed"}) == [
        "tray 'jammed' is not usable"
    ]  # constructor
    assert registry.check_config("laser", {"dpi": 1}) == [
        "laser options: dpi: Input should be greater than or equal to 72"
    ]


def test_the_four_concerns_are_one_registry_type_with_their_error_classes():
    concerns = {
        transport.TRANSPORTS: TransportError,
        sources.SOURCES: ValueError,
        renderers.RENDERERS: renderers.RendererError,
        delivery_registry: DeliveryPluginError,
    }
    for registry, error in concerns.items():
        assert isinstance(registry, PluginRegistry) and registry.error is error
        assert registry.ids() and all(cls.title and cls.Options for cls in registry)
        with pytest.raises(error, match=f"unknown {registry.kind} 'nope'"):
            registry.get("nope")
    assert transport.transport_ids() == ["pcsc", "virtual"]  # both registered on import, no lazy loading
    assert delivery_registry.ids() == ["file_drop", "http"]
    problems = delivery_registry.check_config("file_drop", {"directory": "/nonexistent/x"}, target_id="juki")
    assert problems == ["juki: 連携フォルダ /nonexistent/x がありません"]
