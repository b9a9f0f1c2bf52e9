"""The Django shell around the domain core: counter UI, persistence and auth."""
