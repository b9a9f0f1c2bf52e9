from madoguchi.catalog import load_catalog
from madoguchi.guide import guide_for


def test_guide_is_built_once_per_loaded_catalog(mini_catalog_path):
    catalog = load_catalog(mini_catalog_path)
    first = guide_for(catalog, "ev")
    assert guide_for(catalog, "ev") is first and first.catalog is catalog
    reloaded = load_catalog(mini_catalog_path)
    assert guide_for(reloaded, "ev") is not first  # a reloaded catalog never serves an old guide
