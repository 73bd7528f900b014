"""Small cells on public statistics: a figure about fewer than a threshold of units could point to one employer,
so it is withheld, and so is a second one wherever the total would give the first away."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Threshold(NamedTuple):
    """The fewest units a published figure may describe, with the rule it rests on."""

    units: int
    reference: str


PUBLIC_MIN_UNITS = Threshold(10, "《中华人民共和国统计法》第二十五条 (能够识别或者推断单个统计调查对象身份的资料不得对外提供) / "
                                 "Statistics Law art. 25: nothing that identifies or lets one infer a single respondent")


def withheld(units: Sequence[int], threshold: int) -> set[int]:
    """Positions of the cells to withhold: each with 1 to threshold−1 units (primary), and, when exactly one is
    withheld while the total is shown, the smallest other cell too (secondary: total minus the rest would reveal it).
    A cell with no units says nothing about anyone and is never withheld; when the total itself is small, all are."""
    shown = [i for i, n in enumerate(units) if n > 0]
    if sum(units) < threshold:
        return set(shown)
    primary = {i for i in shown if units[i] < threshold}
    if len(primary) == 1:
        others = sorted((units[i], i) for i in shown if i not in primary)
        if others:
            primary.add(others[0][1])
    return primary
