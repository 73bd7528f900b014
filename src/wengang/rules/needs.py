"""What one run computes: the columns its criteria, formula and outputs read, traced from their own expressions (no
list per programme), so a programme aggregates and derives only what lies behind them; the rest is stored NULL."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import ibis
from ibis.expr import datatypes as dt
from ibis.expr import operations as ops
from ibis.expr.types import Table

Step = Callable[[Table], dict[str, ibis.Value]]     # new columns of the unit frame from the columns before them


def fields(values: Iterable[ibis.Value]) -> set[str]:
    """The columns the expressions read."""
    return {f.name for v in values for f in v.op().find(ops.Field)}


@dataclass(frozen=True)
class Plan:
    """The columns a run reads, which derivation steps it runs, and every column's type (its NULL where skipped)."""

    wanted: frozenset[str]
    runs: tuple[bool, ...]
    types: dict[str, dt.DataType]
    makes: tuple[frozenset[str], ...]                 # each step's columns


def plan(probe: Table, steps: Sequence[Step], read: Callable[[Table], Iterable[ibis.Value]],
         always: Collection[str]) -> Plan:
    """Trace each step over an unbound table of the frame's every column (no data is read), then walk back from
    what `read` (the criteria and formula) and `always` need: a step runs when a later reader needs a column it
    makes, and what it reads is needed in turn."""
    reads, makes = [], []
    schema = dict(probe.schema().items())
    for step in steps:
        made = step(ibis.table(schema, name="probe"))
        reads.append(fields(made.values()))
        makes.append(set(made))
        schema.update({name: value.type() for name, value in made.items()})
    wanted = fields(read(ibis.table(schema, name="probe"))) | set(always)
    runs = [False] * len(steps)
    for i in reversed(range(len(steps))):
        if makes[i] & wanted:
            runs[i] = True
            wanted |= reads[i]
    return Plan(frozenset(wanted), tuple(runs), schema, tuple(frozenset(m) for m in makes))


def apply(frame: Table, steps: Sequence[Step], chosen: Plan) -> Table:
    """The steps the plan runs, in order, each after a typed NULL for every column left out before it (a step may
    name a column its expression, for these parameters, does not read), and the same for the rest at the end."""
    for i, (step, run) in enumerate(zip(steps, chosen.runs, strict=True)):
        if run:
            later = frozenset().union(*chosen.makes[i:])
            frame = _nulls(frame, chosen, later)
            frame = frame.mutate(**step(frame))
    return _nulls(frame, chosen, frozenset())


def _nulls(frame: Table, chosen: Plan, later: frozenset[str]) -> Table:
    have = set(frame.columns)
    missing = {name: ibis.null(kind) for name, kind in chosen.types.items() if name not in have and name not in later}
    return frame.mutate(**missing) if missing else frame
