"""Benchmarks printed as JSON figures (``madoguchi bench``). Goals are checked here, not in timed tests."""
