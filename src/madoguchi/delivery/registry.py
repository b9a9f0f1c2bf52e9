"""The delivery targets' registry (one :class:`madoguchi.plugins.PluginRegistry` per plug-in concern), with the
built-in plug-ins ``file_drop`` and ``http`` registered when it is imported."""

from __future__ import annotations

from madoguchi.delivery.base import DeliveryPluginError, DeliveryTargetPlugin
from madoguchi.delivery.plugins import FileDrop, Http
from madoguchi.plugins import PluginRegistry

registry: PluginRegistry[DeliveryTargetPlugin] = PluginRegistry(
    "delivery plug-in", DeliveryTargetPlugin, error=DeliveryPluginError
)
register = registry.register
register(FileDrop)
register(Http)


def get_plugin(plugin_id: str) -> type[DeliveryTargetPlugin]:
    """The plug-in class; DeliveryPluginError (a KeyError too) naming the known ids when there is none."""
    return registry.get(plugin_id)


def plugin_ids() -> list[str]:
    return registry.ids()
