"""One in-memory table: frozen records by id, numbered like the database, with the database's own rules.

A rule the SQL schema enforces (a unique key, a check constraint) is given to the table as data and raises the same
IntegrityError the database would, so a service tested on the fakes cannot rely on something the database refuses."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError

from wengang.domain.errors import NotFound

T = TypeVar("T")
CENT = Decimal("0.01")


def money(value: Any) -> Any:
    """What the Money column stores and gives back: exact Decimal to the fen (a float or a sub-fen digit refused)."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    if value.scaleb(2) != value.scaleb(2).to_integral_value():
        raise ValueError(f"{value} has more than two decimals")
    return value.quantize(CENT)


def refused(table: str, rule: str) -> IntegrityError:
    """The error the database raises for a broken constraint (what bootstrap.STORE_ERRORS reports)."""
    return IntegrityError(f"-- fake {table}: {rule}", None, Exception(f"constraint failed: {table}.{rule}"))


class Table(Generic[T]):
    """Rows of one table as `model` records: unique keys (a key function returning None is not checked, like a
    partial index or a NULL column) and checks (name → predicate on a record) hold on every insert and update."""

    def __init__(self, name: str, model: type, *, unique: Mapping[str, Callable[[Any], Any]] | None = None,
                 checks: Mapping[str, Callable[[Any], bool]] | None = None, label: tuple[str, str] = ("记录", "record"),
                 defaults: Mapping[str, Any] | None = None, coerce: Mapping[str, Callable[[Any], Any]] | None = None):
        self.name, self.model, self.label = name, model, label
        self.coerce = dict(coerce or {})        # column → what reading it back gives (a typed status, a plain str)
        self.unique, self.checks = dict(unique or {}), dict(checks or {})
        self.defaults = dict(defaults or {})
        self.rows: dict[int, T] = {}
        self.next_id = 1
        self._fields = [f.name for f in dataclasses.fields(model)] if dataclasses.is_dataclass(model) \
            else list(model._fields)
        types = {f.name: str(f.type) for f in dataclasses.fields(model)} if dataclasses.is_dataclass(model) \
            else {k: str(v) for k, v in model.__annotations__.items()}
        self._money = [k for k, v in types.items() if "Decimal" in v]

    def copy(self) -> Table[T]:
        """The same table as a transaction's private copy (records are frozen: sharing them is safe)."""
        twin = object.__new__(Table)
        twin.__dict__.update(self.__dict__)
        twin.rows = dict(self.rows)
        return twin

    # --- writing ----------------------------------------------------------------------------------------------
    def insert(self, values: Mapping[str, Any]) -> T:
        """A new record numbered after the highest id; columns not given take their default, else NULL."""
        unknown = set(values) - set(self._fields)
        if unknown:
            raise TypeError(f"{self.name}: no column {sorted(unknown)}")
        row = {name: None for name in self._fields} | self.defaults | dict(values) | {"id": self.next_id}
        record = self._make(row)
        self._check(record, None)
        self.rows[record.id] = record
        self.next_id += 1
        return record

    def insert_record(self, record: T) -> T:
        """A record whose id is already chosen (cases take theirs first, as the SQL adapter reserves a block)."""
        record = self._make({name: getattr(record, name) for name in self._fields})
        if record.id in self.rows:
            raise refused(self.name, "primary key")
        self._check(record, None)
        self.rows[record.id] = record
        self.next_id = max(self.next_id, record.id + 1)
        return record

    def update(self, record_id: int, values: Mapping[str, Any], **expect: Any) -> bool:
        """Change one record; with `expect`, only if those columns still hold those values (False otherwise)."""
        found = self.rows.get(record_id)
        if found is None or any(getattr(found, k) != v for k, v in expect.items()):
            return False
        self.put(self._replace(found, values))
        return True

    def put(self, record: T) -> None:
        """Store a changed record in place (checked like any update)."""
        record = self._make({name: getattr(record, name) for name in self._fields})
        self._check(record, record.id)
        self.rows[record.id] = record

    # --- reading ----------------------------------------------------------------------------------------------
    def get(self, record_id: int) -> T:
        found = self.rows.get(record_id)
        if found is None:
            zh, en = self.label
            raise NotFound(f"没有这个{zh} / no {en} {record_id}")
        return found

    def where(self, predicate: Callable[[T], bool] = lambda _: True, *, order: Callable[[T], Any] | None = None,
              reverse: bool = False) -> list[T]:
        """Matching records in id order (or `order`)."""
        found = [r for _, r in sorted(self.rows.items()) if predicate(r)]
        return sorted(found, key=order, reverse=reverse) if order else (found[::-1] if reverse else found)

    def one(self, predicate: Callable[[T], bool]) -> T | None:
        found = self.where(predicate)
        return found[0] if found else None

    def all(self) -> Iterable[T]:
        return self.where()

    # --- the database's rules ---------------------------------------------------------------------------------
    def _make(self, row: dict[str, Any]) -> T:
        for name in self._money:
            row[name] = money(row[name])
        for name, typed in self.coerce.items():
            if row[name] is not None:
                row[name] = typed(row[name])
        return self.model(**row)

    def _replace(self, record: T, values: Mapping[str, Any]) -> T:
        if dataclasses.is_dataclass(record):
            return dataclasses.replace(record, **values)
        return record._replace(**values)

    def _check(self, record: T, replacing: int | None) -> None:
        for rule, ok in self.checks.items():
            if not ok(record):
                raise refused(self.name, rule)
        for rule, key in self.unique.items():
            mine = key(record)
            if mine is None:
                continue
            if any(other.id != replacing and key(other) == mine for other in self.rows.values()):
                raise refused(self.name, f"unique {rule}")
