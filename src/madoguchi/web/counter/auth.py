"""Authentication backend: the signed-in user and their roles in one query."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from madoguchi.web.counter import rowsql


@lru_cache(maxsize=4)
def _user_sql(vendor: str) -> str:
    """The user's columns and one group name per row (LEFT JOINs: a user without groups gives one row)."""
    quote = connection.ops.quote_name
    user_model = get_user_model()
    groups = user_model._meta.get_field("groups")
    through = groups.remote_field.through._meta
    group = groups.related_model._meta
    columns = ", ".join(f"u.{quote(f.column)}" for f in user_model._meta.concrete_fields)
    return (
        f"SELECT {columns}, g.{quote(group.get_field('name').column)} "  # noqa: S608 - names from the models
        f"FROM {quote(user_model._meta.db_table)} u "
        f"LEFT JOIN {quote(through.db_table)} ug ON ug.{quote(groups.m2m_column_name())} = u.{quote(user_model._meta.pk.column)} "
        f"LEFT JOIN {quote(group.db_table)} g ON g.{quote(group.pk.column)} = ug.{quote(groups.m2m_reverse_name())} "
        f"WHERE u.{quote(user_model._meta.pk.column)} = %s"
    )


class RolesModelBackend(ModelBackend):
    """Django's ModelBackend, except that loading the user of a session also reads the user's groups (the
    roles every counter view checks) in the same query, and as a plain statement (decision 0012), instead
    of two ORM queries per request."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed id in a session: nobody is signed in
            return None
        with connection.cursor() as cursor:
            cursor.execute(_user_sql(connection.vendor), [pk])
            rows = cursor.fetchall()
        if not rows:
            return None
        attnames = tuple(f.attname for f in user_model._meta.concrete_fields)
        values = rowsql.convert(user_model, attnames, [row[:-1] for row in rows[:1]])[0]
        user = user_model.from_db(connection.alias, attnames, values)
        if not self.user_can_authenticate(user):
            return None
        user._madoguchi_roles = frozenset(row[-1] for row in rows if row[-1])
        return user
