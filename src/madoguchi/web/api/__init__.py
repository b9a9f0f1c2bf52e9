"""The integration API, ``/api/v1/`` (vendors of core systems): JSON views, the OpenAPI document, case creation."""
