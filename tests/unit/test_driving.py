"""The driving-time rules (Law 23/2008/QH12 Art. 65; Law 36/2024/QH15 Art. 64): 4 h of
continuous driving, 10 h a day per driver; a crew of two drives on."""

from __future__ import annotations

import pytest

from optimizer.driving import BREAK_S, DAY_S, Shift, drive, leg_seconds
from optimizer.errors import InvalidProblemError

H = 3600


def test_a_leg_under_four_hours_needs_no_break() -> None:
    assert leg_seconds(4 * H, 1) == 4 * H


def test_one_driver_breaks_after_every_four_hours_of_driving() -> None:
    assert leg_seconds(5 * H, 1) == 5 * H + BREAK_S
    assert leg_seconds(9 * H, 1) == 9 * H + 2 * BREAK_S


def test_one_driver_stops_for_the_day_after_ten_hours_and_drives_on_the_next() -> None:
    # 10 h of driving with two breaks, rest until 24 h after the day began, then 2 h more
    assert leg_seconds(12 * H, 1) == DAY_S + 2 * H


def test_a_crew_of_two_drives_twenty_hours_without_a_break_then_rests() -> None:
    assert leg_seconds(12 * H, 2) == 12 * H
    assert leg_seconds(20 * H, 2) == 20 * H
    assert leg_seconds(26 * H, 2) == DAY_S + 6 * H


def test_the_days_driving_carries_from_one_leg_to_the_next() -> None:
    arrival, shift = drive(0, 8 * H, 1)
    assert shift == Shift(0, 8 * H)
    # after a 1 h stop, only 2 h of the day are left: 3 h of driving spill into a new day
    second, after = drive(arrival + H, 3 * H, 1, shift)
    assert second == DAY_S + H
    assert after == Shift(DAY_S, H)


def test_a_crew_that_stood_a_whole_day_starts_a_fresh_one() -> None:
    _, shift = drive(0, 10 * H, 1)
    arrival, _ = drive(2 * DAY_S, 3 * H, 1, shift)
    assert arrival == 2 * DAY_S + 3 * H


def test_a_crew_is_one_or_two_drivers_and_a_leg_is_not_negative() -> None:
    with pytest.raises(InvalidProblemError):
        leg_seconds(H, 3)
    with pytest.raises(InvalidProblemError):
        drive(0, -1, 1)
