"""Driving-time rules: how long a leg really takes once the crew obeys the law.

Vietnam's Law on Road Traffic No. 23/2008/QH12, Article 65(1): a car driver works no more
than 10 hours a day and drives no more than 4 hours without a break. The Law on Road
Traffic Order and Safety No. 36/2024/QH15 (in force 1 Jan 2025, Article 64) keeps the
same 4 h / 10 h limits. The law gives no break or rest length; the planning assumptions
here (a 15 min break after 4 h, and a day's driving limit reached means resting until 24 h
after that day's driving began) are marked as such in `data/README.md`.

A crew of two may drive on: the drivers take turns, each within their own 4 h and 10 h,
so the vehicle needs no break for the 4 h rule and drives up to 20 h in 24 h.

Each leg of a route starts after a stop of at least 15 min (loading 30 min, unloading
15 min), which is a break, so the 4 h rule restarts on every leg. The 10 h day does not:
`Shift` carries the day's driving from leg to leg along a route."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import InvalidProblemError

HOUR = 3600
#: longest continuous driving by one driver (Law 23/2008/QH12 Art. 65(1))
CONTINUOUS_S = 4 * HOUR
#: longest driving by one driver in a day (same article)
DAILY_S = 10 * HOUR
#: planning assumption: the break after CONTINUOUS_S of driving
BREAK_S = 15 * 60
#: a day: a crew that has used its day's driving rests until this long after it began
DAY_S = 24 * HOUR


@dataclass(frozen=True)
class Shift:
    """Where a crew stands in its day: when the day's driving began and how much of it
    has been driven. A fresh crew has driven nothing."""

    day_start: int
    driven: int = 0


def _check_crew(crew: int) -> None:
    if crew not in (1, 2):
        raise InvalidProblemError(f"a crew is 1 or 2 drivers, got {crew}")


def drive(depart: int, seconds: int, crew: int, shift: Shift | None = None) -> tuple[int, Shift]:
    """Arrival time of a leg of `seconds` of driving that leaves at `depart`, with the
    breaks and rests the crew must take on the way, and the crew's shift on arrival.

    `shift` None means a rested crew whose day begins at `depart`."""
    _check_crew(crew)
    if seconds < 0:
        raise InvalidProblemError(f"a leg cannot last {seconds} s")
    daily = DAILY_S * crew
    shift = shift or Shift(depart)
    now, left = depart, seconds
    day_start, driven = shift.day_start, shift.driven
    if now - day_start >= DAY_S:  # a new day has begun while the vehicle stood
        day_start, driven = now, 0
    continuous = 0
    while left > 0:
        if driven >= daily:  # rest until the day is over, then a new day
            now = max(now, day_start + DAY_S)
            day_start, driven, continuous = now, 0, 0
        if crew == 1 and continuous >= CONTINUOUS_S:
            now += BREAK_S
            continuous = 0
        step = min(left, daily - driven)
        if crew == 1:
            step = min(step, CONTINUOUS_S - continuous)
        now += step
        left -= step
        driven += step
        continuous += step
    return now, Shift(day_start, driven)


def leg_seconds(seconds: int, crew: int) -> int:
    """Elapsed time of one leg driven by a rested crew: what the route search prices a
    leg at. Never less than the driving itself, so plans priced with it stay feasible
    once `drive` carries the day across legs (which can only add rest)."""
    arrival, _ = drive(0, seconds, crew)
    return arrival


def vehicle_leg_seconds(seconds: int, speed_factor: float, crew: int) -> int:
    """`leg_seconds` for a vehicle: road time at speed factor 1 driven at its own speed."""
    return leg_seconds(math.ceil(seconds / speed_factor), crew)
