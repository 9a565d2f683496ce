"""Database sessions: one row per session in ``sessionkit_session``.

Each primitive is a single statement in autocommit: a ``SELECT`` to read, an
``UPDATE … WHERE session_key = … AND version = …`` whose row count says whether this save won
(the session still exists and nobody saved it since it was loaded), an
``INSERT … ON CONFLICT DO NOTHING`` whose row count says whether the key was free. Django's
engine wraps its write in a transaction instead, and overwrites concurrent changes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.functional import cached_property

from sessionkit.adoption import DjangoTable, Source
from sessionkit.backends.base import Progress, Record
from sessionkit.backends.base import SessionStore as BaseStore
from sessionkit.keys import StoredKey, public_id
from sessionkit.timestamps import from_timestamp, to_timestamp

if TYPE_CHECKING:
    from django.contrib.sessions.base_session import AbstractBaseSession
    from django.db.models import Field

# Vendors whose INSERT accepts "ON CONFLICT (…) DO NOTHING" and report the inserted row count.
_UPSERT_VENDORS = frozenset({"postgresql", "sqlite"})


@functools.cache
def has_column(model: type[AbstractBaseSession], name: str) -> bool:
    """Whether ``model`` has sessionkit's column ``name`` (a custom model may not)."""
    return any(field.name == name for field in model._meta.concrete_fields)


OWN_FIELDS = frozenset({"session_key", "session_data", "expire_date", "version", "public_id"})
"""The columns the engine writes itself; a custom model's others come from
``create_model_instance()``."""


@functools.cache
def extra_fields(model: type[AbstractBaseSession]) -> tuple[Field[Any, Any], ...]:
    """A custom model's fields beyond the ones the engine writes itself."""
    return tuple(f for f in model._meta.concrete_fields if f.name not in OWN_FIELDS)


@dataclass(frozen=True)
class Statements:
    """The engine's SQL for one model on one database vendor, built once: no queryset is
    compiled on the way of a request."""

    versioned: bool
    read: str
    update: str
    update_if: str
    insert: str
    delete: str
    exists: str
    insert_fields: tuple[Field[Any, Any], ...]
    update_fields: tuple[Field[Any, Any], ...]

    def delete_many(self, count: int) -> str:
        return self.delete.replace("= %s", f"IN ({', '.join(['%s'] * count)})")

    @classmethod
    def build(cls, model: type[AbstractBaseSession], connection: Any) -> Statements:
        meta, quote = model._meta, connection.ops.quote_name
        table = quote(meta.db_table)
        versioned = has_column(model, "version")
        fields = {field.name: field for field in meta.concrete_fields}
        column = {name: quote(str(field.column)) for name, field in fields.items()}
        written = ["session_data", "expire_date"] + (["version"] if versioned else [])
        inserted = ["session_key", *written] + (["public_id"] if "public_id" in fields else [])
        where_key = f"{column['session_key']} = %s"
        assignments = ", ".join(f"{column[name]} = %s" for name in written)
        update = f"UPDATE {table} SET {assignments} WHERE {where_key}"
        # Without a version column (a model of one's own), the data as loaded is the version.
        guard = column["version"] if versioned else column["session_data"]
        return cls(
            versioned=versioned,
            read=f"SELECT {', '.join(column[name] for name in written)} FROM {table} "
            f"WHERE {where_key}",
            update=update,
            update_if=f"{update} AND {guard} = %s",
            insert=f"INSERT INTO {table} ({', '.join(column[name] for name in inserted)}) "
            f"VALUES ({', '.join(['%s'] * len(inserted))}) "
            f"ON CONFLICT ({column['session_key']}) DO NOTHING",
            delete=f"DELETE FROM {table} WHERE {where_key}",
            exists=f"SELECT 1 FROM {table} WHERE {where_key} LIMIT 1",
            insert_fields=tuple(fields[name] for name in inserted),
            update_fields=tuple(fields[name] for name in written),
        )


@functools.cache
def statements(model: type[AbstractBaseSession], vendor: str, alias: str) -> Statements:
    return Statements.build(model, connections[alias])


class SessionStore(BaseStore):
    """Database-backed sessions (``SESSION_ENGINE = "sessionkit.backends.db"``)."""

    @classmethod
    def get_model_class(cls) -> type[AbstractBaseSession]:
        """The session model; override to store sessions in a model of your own (a subclass
        of Django's ``AbstractBaseSession``; fill its own fields in
        :meth:`create_model_instance`, as with Django's engine).

        Imported here so that the engine can be imported before the app registry is ready.
        """
        from sessionkit.models import Session

        return Session

    @cached_property
    def model(self) -> type[AbstractBaseSession]:
        return self.get_model_class()

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        """A model instance for the session's state, as Django's engine documents it: override
        to set a custom model's own fields from ``data``. The engine writes the values of those
        fields (its own columns it writes itself)."""
        # SessionBase's, as Django's engine calls it (django-stubs does not declare it).
        self._get_or_create_session_key()  # type: ignore[attr-defined]
        return self.model(
            session_key=str(self.stored_key),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(expiry=data.get("_session_expiry")),
        )

    def django_sources(self) -> list[Source]:
        """Django's ``django_session`` table, on the database of this engine's model."""
        return [DjangoTable(router.db_for_write(self.model))]

    def _connection(self, write: bool) -> tuple[Any, Statements]:
        model = self.model
        alias = router.db_for_write(model) if write else router.db_for_read(model)
        connection = connections[alias]
        return connection, statements(model, connection.vendor, alias)

    def _custom_values(self, record: Record) -> dict[str, object]:
        """The values of a custom model's own fields, from ``create_model_instance()`` (none,
        and no call, for a model without fields of its own)."""
        extra = extra_fields(self.model)
        if not extra:
            return {}
        data = self.__dict__.get("_session_cache")
        instance = self.create_model_instance(self.decode(record.data) if data is None else data)
        return {field.attname: getattr(instance, field.attname) for field in extra}

    def _read(self, key: StoredKey) -> Record | None:
        connection, sql = self._connection(write=False)
        with connection.cursor() as cursor:
            cursor.execute(sql.read, [key])
            row = cursor.fetchone()
        if row is None:
            return None
        expiry = row[1]
        if hasattr(connection.ops, "convert_datetimefield_value"):  # SQLite, MySQL, Oracle
            expiry = connection.ops.convert_datetimefield_value(expiry, None, connection)
        return Record(row[0], to_timestamp(expiry), row[2] if sql.versioned else 0)

    def _write(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        connection, sql = self._connection(write=True)
        custom = self._custom_values(record)
        if custom or (create and connection.vendor not in _UPSERT_VENDORS):
            return self._write_with_the_orm(key, record, custom, create, expected_version)
        expiry = from_timestamp(record.expires_at)
        if create:
            values: list[object] = [key, record.data, expiry, record.version, public_id(key)]
            fields, query = sql.insert_fields, sql.insert
        else:
            values = [record.data, expiry, record.version]
            fields, query = sql.update_fields, sql.update
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, values, strict=False)
        ]
        if not create:
            params.append(key)
            if expected_version is not None:
                query = sql.update_if
                params.append(expected_version if sql.versioned else self._loaded_data)
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return bool(cursor.rowcount == 1)

    def _write_with_the_orm(
        self,
        key: StoredKey,
        record: Record,
        custom: dict[str, object],
        create: bool,
        expected_version: int | None,
    ) -> bool:
        """Writes of a custom model's extra fields, and inserts on vendors without
        ``ON CONFLICT``: through the ORM, each one statement all the same."""
        model = self.model
        using = router.db_for_write(model)
        values: dict[str, object] = {
            "session_data": record.data,
            "expire_date": from_timestamp(record.expires_at),
            **custom,
        }
        if has_column(model, "version"):
            values["version"] = record.version
        if create:
            if has_column(model, "public_id"):
                values["public_id"] = public_id(key)
            try:
                with transaction.atomic(using=using):
                    model._default_manager.using(using).create(session_key=key, **values)
            except IntegrityError:
                return False
            return True
        rows = model._default_manager.using(using).filter(session_key=key)
        if expected_version is not None:
            if has_column(model, "version"):
                rows = rows.filter(**{"version": expected_version})
            else:  # the data as loaded is the version
                rows = rows.filter(session_data=self._loaded_data)
        return rows.update(**values) == 1

    def _delete(self, key: StoredKey) -> bool:
        connection, sql = self._connection(write=True)
        with connection.cursor() as cursor:
            cursor.execute(sql.delete, [key])
            return bool(cursor.rowcount)

    def _delete_all(self, keys: list[StoredKey]) -> None:
        """Both forms of a session's key in one statement."""
        connection, sql = self._connection(write=True)
        with connection.cursor() as cursor:
            cursor.execute(sql.delete_many(len(keys)), keys)

    def _exists(self, key: StoredKey) -> bool:
        connection, sql = self._connection(write=False)
        with connection.cursor() as cursor:
            cursor.execute(sql.exists, [key])
            return cursor.fetchone() is not None

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
