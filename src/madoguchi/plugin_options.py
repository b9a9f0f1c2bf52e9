"""Shared by the plug-in registries (card transports, registry sources, form renderers): a plug-in's options
that do not validate, in words — one line per problem, naming the option."""

from __future__ import annotations

from pydantic import ValidationError


def option_problems(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors()]
