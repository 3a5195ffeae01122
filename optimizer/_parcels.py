"""Parcels: each depot -> incident shipment of the allocation cut into loads shaped to the
vehicles that will carry them, the unit the router moves as one pickup-and-delivery pair.

A depot that loads its own vehicles has their first trips chosen vehicle by vehicle
(`_first_wave`); what they leave, and the shipments of a depot whose fleet is borrowed, are
cut in turn to the capacity of each of its fleet's vehicles, largest first (for a borrowed
fleet), then loads of its median vehicle for later trips, so every load fits a vehicle that
is actually there (never one cut to a vehicle type the depot does not send). Small lines
share a parcel; the router may still put several parcels on one vehicle."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from ._allocation import Allocation, Assignment
from ._first_wave import first_wave
from ._fleets import Fleet, straight_arrival
from .dispatch_model import DispatchParams, DispatchProblem


@dataclass
class Parcel:
    """Goods of one depot for one incident that one vehicle of its fleet can carry."""

    depot: str
    incident: str
    lines: list[tuple[Assignment, int]]  # (assignment, units in this parcel)
    weight: float
    volume: float

    @property
    def due(self) -> int:
        return min(a.line.required_by for a, _ in self.lines)

    @property
    def wave(self) -> int:
        """When the allocation expects the parcel to land (its earliest wave)."""
        return min(a.arrival for a, _ in self.lines)

    @property
    def weighted_units(self) -> int:
        return sum(a.line.weight * q for a, q in self.lines)


def cargo(parcel: Parcel) -> list[tuple[str, int]]:
    """Units per item in the parcel, by item code."""
    totals: dict[str, int] = defaultdict(int)
    for a, q in parcel.lines:
        totals[a.item] += q
    return sorted(totals.items())


class _Slots:
    """The capacities of a depot's fleet, largest first, once each; then loads of the
    fleet's median vehicle, which a vehicle back from its first trip or a neighbour's
    truck can take, and which a larger truck can take two of."""

    def __init__(self, fleet: Fleet | None, fallback: tuple[float, float]) -> None:
        caps = [(v.capacity_kg, v.capacity_m3) for v in (fleet.vehicles if fleet else ())]
        self.caps = sorted(caps, reverse=True) or [fallback]
        self.later = self.caps[len(self.caps) // 2]
        self.next = 0

    def take(self) -> tuple[float, float]:
        cap = self.caps[self.next] if self.next < len(self.caps) else self.later
        self.next += 1
        return cap


def pack(
    problem: DispatchProblem,
    alloc: Allocation,
    fleets: dict[str, Fleet | None],
    params: DispatchParams | None = None,
    limits: dict[tuple[str, str], int] | None = None,
) -> list[Parcel]:
    """Cut each depot's shipments, most urgent first, into parcels its vehicles carry. With
    `params` and the lines' bound-rule `limits`, a depot's own vehicles are first loaded
    vehicle by vehicle (`_first_wave`), and only what they leave is cut greedily."""
    fallback = (
        max((v.capacity_kg for v in problem.vehicles), default=1.0),
        max((v.capacity_m3 for v in problem.vehicles), default=1.0),
    )
    groups: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
    for a in alloc.assignments:
        groups[(a.depot, a.line.incident)].append(a)
    slots: dict[str, _Slots] = {}
    parcels: list[Parcel] = []
    if params is not None and limits is not None:
        parcels = _first_trips(problem, params, limits, fleets, groups, slots, fallback)

    def urgency(key: tuple[str, str]) -> tuple[int, int, str, str]:
        group = groups[key]
        return (min(a.arrival for a in group), -max(a.line.weight for a in group), *key)

    for depot, incident in sorted((k for k, g in groups.items() if g), key=urgency):
        slot = slots.setdefault(depot, _Slots(fleets.get(depot), fallback))
        assignments = sorted(
            groups[(depot, incident)],
            key=lambda a: (a.arrival, a.line.required_by, -a.line.weight, a.item),
        )
        parcels += _cut(problem, depot, incident, assignments, slot)
    return parcels


def _first_trips(
    problem: DispatchProblem,
    params: DispatchParams,
    limits: dict[tuple[str, str], int],
    fleets: dict[str, Fleet | None],
    groups: dict[tuple[str, str], list[Assignment]],
    slots: dict[str, _Slots],
    fallback: tuple[float, float],
) -> list[Parcel]:
    """Parcels for the first trips of the depots that load their own vehicles; `groups`
    keeps what is left of each shipment, and `slots` starts those depots' second trips."""
    out: list[Parcel] = []
    for depot in sorted({d for d, _ in groups}):
        fleet = fleets.get(depot)
        if fleet is None or any(v.depot != depot for v in fleet.vehicles):
            continue  # a borrowed fleet also serves its own depot: cut greedily
        mine = [a for (d, _i), group in groups.items() if d == depot for a in group]
        loads = first_wave(problem, params, fleet, mine, limits)
        if loads is None:
            continue
        left = {id(a): a.quantity for a in mine}
        here = problem.depot(depot).location
        spec = problem.items
        for load in loads:
            inc = problem.incident(load.incident)
            timing = straight_arrival(problem, params, fleet, here, inc.location)
            landed = None if timing is None else inc.landing(timing[0], params.unload_seconds)
            first = min(a.arrival for a, _ in load.lines) if landed is None else landed
            lines = [(replace(a, quantity=n, arrival=first), n) for a, n in load.lines]
            for a, n in load.lines:
                left[id(a)] -= n
            out.append(
                Parcel(
                    depot,
                    load.incident,
                    lines,
                    sum(spec[a.item].unit_weight_kg * n for a, n in lines),
                    sum(spec[a.item].unit_volume_m3 * n for a, n in lines),
                )
            )
        for key in [k for k in groups if k[0] == depot]:
            groups[key] = [replace(a, quantity=left[id(a)]) for a in groups[key] if left[id(a)] > 0]
        slot = slots.setdefault(depot, _Slots(fleet, fallback))
        slot.next = len(slot.caps)
    return out


def _cut(
    problem: DispatchProblem,
    depot: str,
    incident: str,
    assignments: list[Assignment],
    slots: _Slots,
) -> list[Parcel]:
    out: list[Parcel] = []
    cap_kg, cap_m3 = slots.take()
    current = Parcel(depot, incident, [], 0.0, 0.0)
    for a in assignments:
        spec = problem.items[a.item]
        left = a.quantity
        while left > 0:
            fit = left
            if spec.unit_weight_kg > 0:
                fit = min(fit, int((cap_kg - current.weight + 1e-9) // spec.unit_weight_kg))
            if spec.unit_volume_m3 > 0:
                fit = min(fit, int((cap_m3 - current.volume + 1e-9) // spec.unit_volume_m3))
            if fit <= 0:
                if not current.lines:  # one unit exceeds the vehicle: ship it alone
                    fit = 1
                else:
                    out.append(current)
                    cap_kg, cap_m3 = slots.take()
                    current = Parcel(depot, incident, [], 0.0, 0.0)
                    continue
            current.lines.append((a, fit))
            current.weight += fit * spec.unit_weight_kg
            current.volume += fit * spec.unit_volume_m3
            left -= fit
    if current.lines:
        out.append(current)
    return out
