"""Parcels: each depot -> incident shipment of the allocation cut into loads a vehicle of
that depot can carry, the unit the router moves as one pickup-and-delivery pair."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ._allocation import Allocation, Assignment
from .dispatch_model import DispatchProblem


@dataclass
class Parcel:
    """Goods of one depot for one incident that one vehicle of that depot can carry."""

    depot: str
    incident: str
    lines: list[tuple[Assignment, int]]  # (assignment, units in this parcel)
    weight: float
    volume: float

    @property
    def due(self) -> int:
        return min(a.line.required_by for a, _ in self.lines)

    @property
    def weighted_units(self) -> int:
        return sum(a.line.weight * q for a, q in self.lines)


def cargo(parcel: Parcel) -> list[tuple[str, int]]:
    """Units per item in the parcel, by item code."""
    totals: dict[str, int] = defaultdict(int)
    for a, q in parcel.lines:
        totals[a.item] += q
    return sorted(totals.items())


def pack(problem: DispatchProblem, alloc: Allocation) -> list[Parcel]:
    """Cut each depot -> incident shipment into parcels a vehicle of that depot can carry
    (the fleet's largest where the depot has none)."""
    fleet_kg = max((v.capacity_kg for v in problem.vehicles), default=1.0)
    fleet_m3 = max((v.capacity_m3 for v in problem.vehicles), default=1.0)
    groups: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
    for a in alloc.assignments:
        groups[(a.depot, a.line.incident)].append(a)
    parcels: list[Parcel] = []
    for (depot, incident), assignments in sorted(groups.items()):
        own = [v for v in problem.vehicles if v.depot == depot]
        cap_kg = max((v.capacity_kg for v in own), default=fleet_kg)
        cap_m3 = max((v.capacity_m3 for v in own), default=fleet_m3)
        assignments.sort(key=lambda a: (a.line.required_by, -a.line.weight, a.item))
        current = Parcel(depot, incident, [], 0.0, 0.0)
        for a in assignments:
            spec = problem.items[a.item]
            left = a.quantity
            while left > 0:
                room_kg = cap_kg - current.weight
                room_m3 = cap_m3 - current.volume
                fit = left
                if spec.unit_weight_kg > 0:
                    fit = min(fit, int(room_kg // spec.unit_weight_kg))
                if spec.unit_volume_m3 > 0:
                    fit = min(fit, int(room_m3 // spec.unit_volume_m3))
                if fit <= 0:
                    if not current.lines:  # one unit exceeds the vehicle: ship it alone
                        fit = 1
                    else:
                        parcels.append(current)
                        current = Parcel(depot, incident, [], 0.0, 0.0)
                        continue
                current.lines.append((a, fit))
                current.weight += fit * spec.unit_weight_kg
                current.volume += fit * spec.unit_volume_m3
                left -= fit
        if current.lines:
            parcels.append(current)
    return parcels
