"""Database sessions: one row per session in ``sessionkit_session``.

Each primitive is a single statement in autocommit: a ``SELECT`` to read, an
``UPDATE … WHERE session_key = … AND version = …`` whose row count says whether this save won
(the session still exists and nobody saved it since it was loaded), an
``INSERT … ON CONFLICT DO NOTHING`` whose row count says whether the key was free. Django's
engine wraps its write in a transaction instead, and overwrites concurrent changes.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.functional import cached_property

from sessionkit.backends.base import Progress, Record
from sessionkit.backends.base import SessionStore as BaseStore
from sessionkit.keys import StoredKey, public_id
from sessionkit.timestamps import from_timestamp, to_timestamp

if TYPE_CHECKING:
    from django.contrib.sessions.base_session import AbstractBaseSession

# Vendors whose INSERT accepts "ON CONFLICT (…) DO NOTHING" and report the inserted row count.
_UPSERT_VENDORS = frozenset({"postgresql", "sqlite"})


@functools.cache
def has_column(model: type[AbstractBaseSession], name: str) -> bool:
    """Whether ``model`` has sessionkit's column ``name`` (a custom model may not)."""
    return any(field.name == name for field in model._meta.concrete_fields)


class SessionStore(BaseStore):
    """Database-backed sessions (``SESSION_ENGINE = "sessionkit.backends.db"``)."""

    @classmethod
    def get_model_class(cls) -> type[AbstractBaseSession]:
        """The session model; override to store sessions in a model of your own.

        Imported here so that the engine can be imported before the app registry is ready.
        """
        from sessionkit.models import Session

        return Session

    @cached_property
    def model(self) -> type[AbstractBaseSession]:
        return self.get_model_class()

    def _read(self, key: StoredKey) -> Record | None:
        with_version = has_column(self.model, "version")
        columns = ["session_data", "expire_date"] + (["version"] if with_version else [])
        row = self.model._default_manager.filter(session_key=key).values_list(*columns).first()
        if row is None:
            return None
        return Record(row[0], to_timestamp(row[1]), row[2] if with_version else 0)

    def _write(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        values: dict[str, object] = {
            "session_data": record.data,
            "expire_date": from_timestamp(record.expires_at),
        }
        rows = self.model._default_manager.filter(session_key=key)
        if has_column(self.model, "version"):
            values["version"] = record.version
            if expected_version is not None:
                # One conditional statement: no row means deleted or saved by someone else.
                rows = rows.filter(**{"version": expected_version})
        if create:
            if has_column(self.model, "public_id"):
                values["public_id"] = public_id(key)
            return self._insert(key, values)
        return rows.update(**values) == 1

    def _insert(self, key: StoredKey, values: dict[str, object]) -> bool:
        """Insert a new row; False when the key is taken. One statement where the vendor allows."""
        model = self.model
        using = router.db_for_write(model)
        connection = connections[using]
        values = {"session_key": key, **values}
        if connection.vendor not in _UPSERT_VENDORS:
            try:
                with transaction.atomic(using=using):
                    model._default_manager.using(using).create(**values)
            except IntegrityError:
                return False
            return True
        meta = model._meta
        quote = connection.ops.quote_name
        fields = {field.name: field for field in meta.concrete_fields}
        columns = [fields[name] for name in values]
        sql = "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO NOTHING".format(
            quote(meta.db_table),
            ", ".join(quote(str(field.column)) for field in columns),
            ", ".join(["%s"] * len(columns)),
            quote(str(fields["session_key"].column)),
        )
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(columns, values.values(), strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return bool(cursor.rowcount == 1)

    def _delete(self, key: StoredKey) -> None:
        self.model._default_manager.filter(session_key=key).delete()

    def _exists(self, key: StoredKey) -> bool:
        return self.model._default_manager.filter(session_key=key).exists()

    @classmethod
    def _clear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        """Delete expired rows oldest first, ``batch_size`` per statement, in autocommit.

        Django's engine deletes every expired row in one statement, which on a table of
        millions holds its locks for as long as that takes. Each batch here is a range of the
        ``(expire_date, session_key)`` index: one query finds the row that ends the next
        ``batch_size`` after the previous batch, one ``DELETE`` removes that range. Walking the
        index from where the last batch ended (rather than from the start, past the entries of
        rows just deleted) keeps the whole run close to Django's single statement. A session
        refreshed meanwhile expires after the range and stays.
        """
        model = cls.get_model_class()
        using = router.db_for_write(model)
        connection = connections[using]
        if connection.vendor not in _UPSERT_VENDORS:
            return cls._clear_expired_portably(batch_size, progress)
        meta = model._meta
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        expiry = quote(str(meta.get_field("expire_date").column))
        key = quote(str(meta.get_field("session_key").column))
        now = meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
        row = f"({expiry}, {key})"
        deleted = 0
        after: tuple[Any, ...] = ()
        while True:
            lower = f" AND {row} > (%s, %s)" if after else ""
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {expiry}, {key} FROM {table} WHERE {expiry} <= %s{lower} "
                    f"ORDER BY {expiry}, {key} LIMIT 1 OFFSET %s",
                    [now, *after, batch_size - 1],
                )
                last = cursor.fetchone()
                upper = f" AND {row} <= (%s, %s)" if last else ""
                cursor.execute(
                    f"DELETE FROM {table} WHERE {expiry} <= %s{lower}{upper}",
                    [now, *after, *(last or ())],
                )
                count = int(cursor.rowcount)
            deleted += count
            if progress is not None and count:
                progress(deleted)
            if last is None:
                return deleted
            after = last

    @classmethod
    def _clear_expired_portably(cls, batch_size: int, progress: Progress | None) -> int:
        """Batches of keys through the ORM, for vendors without row-value comparisons."""
        model = cls.get_model_class()
        expired = model._default_manager.using(router.db_for_write(model)).filter(
            expire_date__lte=timezone.now()
        )
        deleted = 0
        while True:
            keys = list(expired.values_list("session_key", flat=True)[:batch_size])
            count, _ = expired.filter(session_key__in=keys).delete() if keys else (0, {})
            deleted += count
            if progress is not None and count:
                progress(deleted)
            if len(keys) < batch_size:
                return deleted

    @classmethod
    def _count_expired(cls) -> int:
        manager = cls.get_model_class()._default_manager
        return manager.filter(expire_date__lte=timezone.now()).count()
