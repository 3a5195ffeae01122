"""A small MILP handed to HiGHS in one go (the first wave's and the boats' first trips)."""

from __future__ import annotations

import highspy
import numpy as np


class Columns:
    """Columns (gain, upper bound, integer or not) and rows `sum coefs x <= upper`, handed
    to HiGHS at once."""

    def __init__(self) -> None:
        self.gain: list[float] = []
        self.col_upper: list[float] = []
        self.integer: list[bool] = []
        self.upper: list[float] = []
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []

    def cols(self, gains: list[float], uppers: list[float], *, integer: bool = True) -> int:
        """Add columns; the index of the first."""
        first = len(self.gain)
        self.gain += gains
        self.col_upper += uppers
        self.integer += [integer] * len(gains)
        return first

    def add(self, upper: float, cols: list[int], coefs: list[float]) -> None:
        self.upper.append(upper)
        self.starts.append(len(self.index))
        self.index += cols
        self.value += coefs

    def load(self, h: highspy.Highs) -> None:
        n = len(self.gain)
        empty = np.zeros(0, dtype=np.int32)
        gain = np.asarray(self.gain, dtype=np.float64)
        upper = np.asarray(self.col_upper, dtype=np.float64)
        h.addCols(n, gain, np.zeros(n), upper, 0, empty, empty, np.zeros(0))
        kinds = np.where(
            self.integer, highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        )
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), kinds)
        h.addRows(
            len(self.upper),
            np.full(len(self.upper), -highspy.kHighsInf),
            np.asarray(self.upper, dtype=np.float64),
            len(self.index),
            np.asarray(self.starts, dtype=np.int32),
            np.asarray(self.index, dtype=np.int32),
            np.asarray(self.value, dtype=np.float64),
        )
