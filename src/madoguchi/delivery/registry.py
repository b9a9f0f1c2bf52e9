"""A registry of delivery target plug-ins keyed by a stable string id (one registry per concern)."""

from __future__ import annotations

import re

from madoguchi.delivery.base import DeliveryTargetPlugin

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Registry:
    def __init__(self) -> None:
        self._plugins: dict[str, type[DeliveryTargetPlugin]] = {}

    def register(self, plugin_id: str):
        if not _ID.fullmatch(plugin_id):
            raise ValueError(f"plug-in id {plugin_id!r} must be lower-case letters, digits or _ (≤ 40)")

        def decorator(cls: type[DeliveryTargetPlugin]) -> type[DeliveryTargetPlugin]:
            if plugin_id in self._plugins:
                raise ValueError(f"a delivery plug-in with id {plugin_id!r} is already registered")
            cls.id = plugin_id
            self._plugins[plugin_id] = cls
            return cls

        return decorator

    def __contains__(self, plugin_id: str) -> bool:
        return plugin_id in self._plugins

    def __getitem__(self, plugin_id: str) -> type[DeliveryTargetPlugin]:
        return self._plugins[plugin_id]

    def ids(self) -> list[str]:
        return sorted(self._plugins)


registry = Registry()


def register(plugin_id: str):
    return registry.register(plugin_id)


def _load_builtin() -> None:
    import madoguchi.delivery.plugins  # noqa: F401 - registers file_drop and http


def get_plugin(plugin_id: str) -> type[DeliveryTargetPlugin]:
    _load_builtin()
    try:
        return registry[plugin_id]
    except KeyError:
        raise KeyError(
            f"unknown delivery plug-in {plugin_id!r}; known: {', '.join(registry.ids())}"
        ) from None


def plugin_ids() -> list[str]:
    _load_builtin()
    return registry.ids()
