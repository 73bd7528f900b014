"""A closed case counts as paid only when its money stayed: the recovered ones are taken out of their closed cell."""

from decimal import Decimal

from wengang.domain.cases import State
from wengang.domain.figures import Cell, unkept


def test_recovered_closed_cases_are_taken_out_of_their_closed_cell_and_not_paid():
    cells = [Cell("110105", State.PAID, 5, Decimal("500.00"), 40, 1, 4),
             Cell("110105", State.CLOSED, 3, Decimal("300.50"), 20, 1, 2),
             Cell("440305", State.CLOSED, 1, Decimal("99.99"), 0, 1, 0)]
    recovered = [Cell("110105", State.CLOSED, 1, Decimal("100.25"), 7, 0, 1),
                 Cell("440305", State.CLOSED, 1, Decimal("99.99"), 0, 1, 0)]
    got = unkept(cells, recovered)
    assert sorted((c for c in got if c.paid), key=lambda c: c.state.value) == [
        Cell("110105", State.CLOSED, 2, Decimal("200.25"), 13, 1, 1),
        Cell("110105", State.PAID, 5, Decimal("500.00"), 40, 1, 4)]
    assert [c for c in got if not c.kept] == [r._replace(kept=False) for r in recovered]
    assert sum(c.cases for c in got) == 9 and sum(c.amount for c in got) == Decimal("900.49")
