"""The catalog: departments, life events, the fact dictionary and procedures of one municipality."""

from madoguchi.catalog.loader import Catalog, CatalogError, CatalogIssue, get_catalog, load_catalog

__all__ = ["Catalog", "CatalogError", "CatalogIssue", "get_catalog", "load_catalog"]
