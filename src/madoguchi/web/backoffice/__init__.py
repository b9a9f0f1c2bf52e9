"""One stop: department tasks, delivery to core systems, the integration API, audit and retention."""
