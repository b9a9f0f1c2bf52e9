"""Delivery of case data to core systems (基幹連携). Pure Python: no Django import.

A *delivery target* is a plug-in (``file_drop``, ``http``) with typed options and ``check_config()``; a
*record* is the data one procedure of one case sends to one target, keyed by 住民記録 standard item names
(基本データリスト), with an idempotency key that stays the same on every retry.
"""

from madoguchi.delivery.base import (
    ConfigProblem,
    DeliveryError,
    DeliveryPluginError,
    DeliveryRecord,
    DeliveryTargetPlugin,
    PermanentDeliveryError,
)
from madoguchi.delivery.items import DELIVERY_ITEMS, is_item
from madoguchi.delivery.registry import get_plugin, plugin_ids, register, registry

__all__ = [
    "DELIVERY_ITEMS",
    "ConfigProblem",
    "DeliveryError",
    "DeliveryPluginError",
    "DeliveryRecord",
    "DeliveryTargetPlugin",
    "PermanentDeliveryError",
    "get_plugin",
    "is_item",
    "plugin_ids",
    "register",
    "registry",
]
