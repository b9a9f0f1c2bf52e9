"""The OpenAPI 3.1 document of ``/api/v1/`` (served at /api/v1/openapi.json)."""

from __future__ import annotations

from madoguchi.case.sources import ITEM_MAX_LENGTH
from madoguchi.case.vocab import SEX_LABELS
from madoguchi.web.api.cases import MAX_REPEATED, PERSON_ITEMS
from madoguchi.web.counter.services import current_catalog


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": _json(_ref("Detail"), "missing or invalid token"),
    "403": _json(_ref("Detail"), "the token's user lacks the role"),
}
VALIDATION = {"422": _json(_ref("ValidationErrors"), "validation errors, one message per field")}
BAD_BODY = {"400": _json(_ref("Detail"), "not JSON")}


def _person_schema() -> dict:
    """A person as the API reads it: the items and widths of the core's one JSON reader."""
    props: dict[str, dict] = {}
    for item in PERSON_ITEMS:
        if item == "kana_confirmed":
            props[item] = {"type": "boolean"}
        elif item in ("birth_date", "death_date"):
            props[item] = {"type": "string", "description": "YYYY-MM-DD or 和暦 (令和8年11月27日)"}
        elif item == "sex":
            props[item] = {
                "type": "string",
                "description": "code or label: "
                + ", ".join(f"{code} {label}" for code, label in SEX_LABELS.items()),
            }
        else:
            props[item] = {"type": "string", "maxLength": ITEM_MAX_LENGTH[item]}
    return {"type": "object", "additionalProperties": False, "properties": props}


def _role_schemas() -> dict:
    """Every role of the catalog's events: one person, or a list for a repeated role."""
    roles: dict[str, dict] = {}
    for event in current_catalog().events.values():
        for role in event.roles:
            if role.repeated:
                roles[role.id] = {"type": "array", "items": _ref("Person"), "maxItems": MAX_REPEATED}
            else:
                roles.setdefault(role.id, _ref("Person"))
    return roles


def document() -> dict:
    s = {
        "Detail": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
        "ValidationErrors": {
            "type": "object",
            "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
            "required": ["errors"],
        },
        "Person": _person_schema(),
        "CaseInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["event"],
            "properties": {
                "event": {
                    "type": "string",
                    "description": "life event id (GET /procedures lists them by event)",
                },
                "visitor_name": {"type": "string", "maxLength": 100},
                "note": {"type": "string", "maxLength": 4000},
                "source": {
                    "type": "string",
                    "enum": ["arrivals", "interview", "resident"],
                    "description": "who stated the facts; registry and card facts come only from the server's own reads",
                },
                "finish": {
                    "type": "boolean",
                    "description": "finish at once: routes tasks, queues deliveries",
                },
                "facts": {
                    "type": "object",
                    "description": "fact name → value (bool, integer, YYYY-MM-DD, choice value, text)",
                    "additionalProperties": {"type": ["boolean", "integer", "string"]},
                },
                "persons": {
                    "type": "object",
                    "description": "the event's roles (GET /procedures); a repeated role (member) is a list",
                    "additionalProperties": False,
                    "properties": _role_schemas(),
                },
            },
        },
        "Task": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "case": {"type": "string"},
                "procedure_id": {"type": "string"},
                "procedure_name": {"type": ["string", "null"]},
                "department_id": {"type": "string"},
                "status": {"type": "string", "enum": ["new", "in_progress", "done", "returned"]},
                "return_reason": {"type": "string"},
                "version": {"type": "integer"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "TaskUpdate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status", "version"],
            "properties": {
                "status": {"type": "string", "enum": ["new", "in_progress", "done", "returned"]},
                "version": {"type": "integer", "description": "the version you read; a stale one gets 409"},
                "reason": {"type": "string", "maxLength": 500, "description": "required to return a task"},
            },
        },
        "Case": {
            "type": "object",
            "properties": {
                "number": {"type": "string"},
                "event": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "finished"]},
                "created_at": {"type": "string", "format": "date-time"},
                "finished_at": {"type": ["string", "null"], "format": "date-time"},
                "facts": {"type": "array", "items": {"type": "object"}},
                "persons": {"type": "array", "items": {"type": "object"}},
                "applicable": {"type": "array", "items": {"type": "object"}},
                "undetermined": {"type": "array", "items": {"type": "object"}},
                "tasks": {"type": "array", "items": _ref("Task")},
                "remaining_departments": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Procedure": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "events": {"type": "array", "items": {"type": "string"}},
                "department": {"type": "string"},
                "handling": {"type": "string"},
                "deliveries": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Delivery": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "idempotency_key": {"type": "string"},
                "case": {"type": "string"},
                "procedure_id": {"type": "string"},
                "target_id": {"type": "string"},
                "status": {"type": "string", "enum": ["pending", "sending", "delivered", "dead"]},
                "attempts": {"type": "integer"},
                "last_error": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "delivered_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
    }
    body = lambda name: {"required": True, "content": {"application/json": {"schema": _ref(name)}}}  # noqa: E731
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "madoguchi integration API",
            "version": "1.0.0",
            "description": "Cases, department tasks and deliveries to core systems. Token: Authorization: Bearer.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "paths": {
            "/procedures": {
                "get": {
                    "operationId": "listProcedures",
                    "parameters": [{"name": "event", "in": "query", "schema": {"type": "string"}}],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"procedures": {"type": "array", "items": _ref("Procedure")}},
                            }
                        ),
                        **VALIDATION,
                        **ERRORS,
                    },
                }
            },
            "/cases": {
                "post": {
                    "operationId": "createCase",
                    "requestBody": body("CaseInput"),
                    "responses": {"201": _json(_ref("Case"), "created"), **BAD_BODY, **VALIDATION, **ERRORS},
                }
            },
            "/cases/{number}": {
                "get": {
                    "operationId": "readCase",
                    "parameters": [
                        {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": _json(_ref("Case")),
                        "404": _json(_ref("Detail"), "no such case"),
                        **ERRORS,
                    },
                }
            },
            "/tasks": {
                "get": {
                    "operationId": "listTasks",
                    "parameters": [
                        {"name": "status", "in": "query", "schema": {"type": "string"}},
                        {"name": "department", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"tasks": {"type": "array", "items": _ref("Task")}},
                            }
                        ),
                        **VALIDATION,
                        **ERRORS,
                    },
                }
            },
            "/tasks/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "get": {
                    "operationId": "readTask",
                    "responses": {
                        "200": _json(_ref("Task")),
                        "404": _json(_ref("Detail"), "not found"),
                        **ERRORS,
                    },
                },
                "patch": {
                    "operationId": "updateTask",
                    "requestBody": body("TaskUpdate"),
                    "responses": {
                        "200": _json(_ref("Task")),
                        "404": _json(_ref("Detail"), "not found"),
                        "409": _json(_ref("Detail"), "stale version: someone else saved first"),
                        **BAD_BODY,
                        **VALIDATION,
                        **ERRORS,
                    },
                },
            },
            "/deliveries": {
                "get": {
                    "operationId": "listDeliveries",
                    "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"deliveries": {"type": "array", "items": _ref("Delivery")}},
                            }
                        ),
                        **VALIDATION,
                        **ERRORS,
                    },
                }
            },
            "/deliveries/{id}/resend": {
                "post": {
                    "operationId": "resendDelivery",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {
                        "202": _json(_ref("Delivery"), "queued again"),
                        "404": _json(_ref("Detail"), "not found"),
                        "409": _json(_ref("Detail"), "not a dead letter"),
                        **ERRORS,
                    },
                }
            },
        },
        "components": {
            "schemas": s,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
