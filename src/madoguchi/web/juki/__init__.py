"""The resident registry (自治体保有データ) and the My Number Card at the counter."""
