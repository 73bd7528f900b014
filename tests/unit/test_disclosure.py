"""Small cells on public statistics are withheld on both sides of the threshold, and never given away by a total."""

from __future__ import annotations

from wengang.domain.disclosure import PUBLIC_MIN_UNITS, withheld


def test_the_threshold_is_ten_units_with_its_legal_reference():
    assert PUBLIC_MIN_UNITS.units == 10 and "统计法" in PUBLIC_MIN_UNITS.reference


def test_nine_units_are_withheld_ten_are_shown():
    assert withheld([9, 40, 50, 60], 10) >= {0}
    assert withheld([10, 40, 50, 60], 10) == set()


def test_one_small_cell_takes_the_next_smallest_with_it_so_the_total_does_not_reveal_it():
    assert withheld([3, 40, 12, 60], 10) == {0, 2}


def test_two_small_cells_protect_each_other():
    assert withheld([3, 40, 4, 60], 10) == {0, 2}


def test_an_empty_cell_is_never_withheld_nor_chosen_as_the_second():
    assert withheld([0, 3, 40, 60], 10) == {1, 2}


def test_a_small_total_withholds_every_cell():
    assert withheld([2, 3, 0], 10) == {0, 1}


def test_a_single_small_cell_alone_is_withheld():
    assert withheld([5], 10) == {0}
