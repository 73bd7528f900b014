"""Reach figures on the cycle dashboard (issue 16.6): the cycle's step messages by event and channel (sent, delivered,
failed), the share of told units with at least one copy delivered, and how units were served — by themselves (a
unit that signed in to the portal or looked its progress up), by phone (a unit a recorded call reached) or by a
call back it asked for — each as a share of the three together (Beijing reported 89.95% / 8.76% / 1.29%), with the
callbacks' time to answer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wengang.domain.calls import REACHED
from wengang.domain.ports import Store
from wengang.services import callbacks


@dataclass(frozen=True, slots=True)
class Line:
    """Copies of one event's messages on one channel."""

    event: str
    channel: str
    delivered: int
    failed: int
    on_the_way: int

    @property
    def sent(self) -> int:
        return self.delivered + self.failed + self.on_the_way


@dataclass(frozen=True, slots=True)
class Reach:
    lines: list[Line]
    told: int
    reached: int
    reached_share: Decimal | None
    self_service: int
    phone: int
    callback: int
    shares: tuple[Decimal | None, Decimal | None, Decimal | None]
    callbacks: callbacks.Stats


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01")) if whole else None


def figures(cycle_id: int, *, store: Store) -> Reach:
    """The reach figures of one cycle."""
    with store.reading() as uow:
        by = uow.deliveries.by_event(cycle_id)
        told, reached = uow.deliveries.reached_units(cycle_id)
        phoned = {c.uscc for c in uow.calls.of_cycle(cycle_id) if c.outcome == REACHED}
        own, asked = uow.figures.served(cycle_id)
    lines: dict[tuple[str, str], list[int]] = {}
    for (event, channel, status), n in by.items():
        row = lines.setdefault((event, channel), [0, 0, 0])
        row[0 if status == "delivered" else 1 if status == "failed" else 2] += n
    whole = own + len(phoned) + asked
    return Reach([Line(e, c, *v) for (e, c), v in sorted(lines.items())], told, reached, _share(reached, told),
                 own, len(phoned), asked, (_share(own, whole), _share(len(phoned), whole), _share(asked, whole)),
                 callbacks.stats(store=store))
