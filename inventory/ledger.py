"""The ledger: every change of stock is a movement from one location to another,
posted together with its balance update in the caller's transaction.

The use cases (receive, issue, transfer, count, write-off, reversal, reservations) live
here; the primitive they post through (look-ups, guarded balance changes in a fixed key
order, the movement insert, batches) is `inventory.postings`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import capacity, receiving
from .commands import (
    Count,
    Issue,
    Receipt,
    ReserveLine,
    TransferOut,
    TransferReceive,
    WriteOff,
)
from .errors import (
    ConflictError,
    InsufficientStockError,
    NotFoundError,
    UnusableStockError,
    ValidationError,
)
from .lookups import (
    VIRTUAL_LOCATIONS,
    VN_TZ,
    depot_location_code,
    local_date,
    usability,
    utcnow,
)
from .models import (
    Balance,
    Condition,
    Depot,
    Item,
    Location,
    LocationKind,
    Lot,
    LotConditionChange,
    Movement,
    MovementKind,
    Reservation,
    ReservationStatus,
    Tracking,
    Transfer,
    TransferStatus,
)
from .picking import Take, lots_to_take
from .postings import PostedMovement, Postings

__all__ = [
    "VIRTUAL_LOCATIONS",
    "VN_TZ",
    "Ledger",
    "PickLine",
    "Posted",
    "PostedMovement",
    "depot_location_code",
    "fefo_key",
    "fingerprint",
    "local_date",
    "lot_usability",
    "utcnow",
]

#: Movements a reversal may undo; transfers and plan movements carry state of their own.
REVERSIBLE = frozenset(
    {MovementKind.RECEIPT, MovementKind.ISSUE, MovementKind.COUNT, MovementKind.WRITE_OFF}
)


def lot_usability(lot: Lot, today: dt.date) -> str | None:
    """Why a lot may not be issued, or None when it may."""
    return usability(lot.condition, lot.expiry_date, lot.calibration_due, today)


def fefo_key(lot: Lot) -> tuple[dt.date, int]:
    """First expiry, first out; lots without an expiry go last, older lots first."""
    return (lot.expiry_date or dt.date.max, lot.id)


@dataclass(frozen=True)
class Posted:
    """What one posting did: the ledger lines it wrote."""

    movement_ids: list[int]
    lines: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"movement_ids": self.movement_ids, "lines": self.lines, **self.extra}


@dataclass(frozen=True)
class PickLine:
    lot_id: int
    lot_no: str | None
    expiry_date: dt.date | None
    quantity: int


def fingerprint(operation: str, payload: dict[str, Any]) -> str:
    blob = json.dumps({"op": operation, "payload": payload}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class Ledger(Postings):
    """Ledger use cases on one session, over the primitive of `inventory.postings`. The
    caller owns the transaction: nothing here commits, so a use case can post several
    movements atomically."""

    #: inside `batch()`: each depot's load as of the rows posted so far (capacity.admit)
    _loads: dict[str, capacity.Load] | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """`Postings.batch`, plus the depots' loads kept in memory: a batch of receipts only
        adds stock, so each depot is read (and locked) once and each posted row summed in."""
        if self._loads is not None:
            with super().batch():
                yield
            return
        self._loads = {}
        try:
            with super().batch():
                yield
        finally:
            self._loads = None

    def existing_lot(self, item: Item, lot_no: str | None) -> Lot:
        """The lot a request names, enforcing the item's tracking mode."""
        self._check_lot_no(item, lot_no)
        if item.tracking == Tracking.NONE:
            return self._bulk_lot(item)
        lot = self._find_lot(item.code, lot_no)
        if lot is None:
            word = "serial" if item.tracking == Tracking.SERIAL else "lot"
            raise NotFoundError(f"unknown {word} {lot_no!r} of item {item.code}", field="lot_no")
        return lot

    def _check_lot_no(self, item: Item, lot_no: str | None) -> None:
        if item.tracking == Tracking.NONE and lot_no:
            raise ValidationError(
                f"item {item.code} is not lot-tracked: leave lot_no empty", field="lot_no"
            )
        if item.tracking != Tracking.NONE and not lot_no:
            word = "serial number" if item.tracking == Tracking.SERIAL else "lot number"
            raise ValidationError(
                f"item {item.code} is {item.tracking.value}-tracked: a {word} is required",
                field="lot_no",
            )

    def _check_serial_quantity(self, item: Item, quantity: int) -> None:
        if item.tracking == Tracking.SERIAL and quantity != 1:
            raise ValidationError(
                f"item {item.code} is serial-tracked: quantity must be 1 per serial",
                field="quantity",
            )

    # --------------------------------------------------------------- use cases
    def receive(self, cmd: Receipt, *, key: str | None = None) -> Posted:
        item = self.item(cmd.item)
        target = self.depot_location(cmd.depot)
        self._check_lot_no(item, cmd.lot_no)
        self._check_serial_quantity(item, cmd.quantity)
        self._within_scope(target)
        receiving.refuse_expired(cmd.expiry_date, cmd.condition, self.today, cmd.source)
        if self._loads is not None and cmd.depot not in self._loads:
            self.flush_pending()  # the depot's first read in a batch sees what it holds back
        intake = capacity.admit(
            self.session,
            self.depot(cmd.depot),
            item,
            cmd.quantity,
            cmd.over_capacity_reason,
            loads=self._loads,
        )
        lot = self._lot_for_receipt(item, cmd)
        receiving.refuse_expired(lot.expiry_date, cmd.condition, self.today, cmd.source)
        source = self.location(
            {"supplier": "SUPPLIER", "production": "PRODUCTION"}.get(cmd.source, "ADJUSTMENT")
        )
        movement = self._post(
            MovementKind.RECEIPT,
            source,
            target,
            lot,
            cmd.quantity,
            reason=cmd.source,
            reference=cmd.reference,
            note=cmd.note,
            idempotency_key=key,
        )
        if intake is not None:
            intake.record(self.session, movement.id, actor=self.actor, now=self.now)
        if self._loads is not None:
            self._loads[cmd.depot] = self._loads[cmd.depot].plus(item, cmd.quantity)
        return Posted([movement.id], [self._line(movement, lot, source, target)])

    def _lot_for_receipt(self, item: Item, cmd: Receipt) -> Lot:
        if item.tracking == Tracking.NONE:
            if cmd.expiry_date or cmd.calibration_due:
                raise ValidationError(
                    f"item {item.code} is not lot-tracked: no expiry or calibration date",
                    field="expiry_date" if cmd.expiry_date else "calibration_due",
                )
            return self._bulk_lot(item)
        if item.shelf_life_days is not None and cmd.expiry_date is None:
            existing = self._find_lot(item.code, cmd.lot_no)
            if existing is None:
                raise ValidationError(
                    f"item {item.code} has a shelf life: expiry_date is required for a new lot",
                    field="expiry_date",
                )
        lot = self._find_lot(item.code, cmd.lot_no)
        if lot is None:
            lot = Lot(
                item_code=item.code,
                lot_no=cmd.lot_no,
                is_bulk=False,
                expiry_date=cmd.expiry_date,
                calibration_due=cmd.calibration_due,
                condition=cmd.condition,
                created_at=self.now,
            )
            self.session.add(lot)
            self.session.flush()
            self._remember_lot(lot)
            return lot
        if cmd.expiry_date is not None and lot.expiry_date != cmd.expiry_date:
            raise ConflictError(
                f"lot {cmd.lot_no} of {item.code} exists with expiry {lot.expiry_date}",
                field="expiry_date",
            )
        if cmd.condition != lot.condition:
            raise ConflictError(
                f"lot {cmd.lot_no} of {item.code} is {lot.condition.value}: receive it as "
                f"{lot.condition.value} or under a new lot number",
                field="condition",
            )
        if item.tracking == Tracking.SERIAL:
            held = self.session.scalar(
                select(func.coalesce(func.sum(Balance.on_hand), 0))
                .join(Location, Location.id == Balance.location_id)
                .where(
                    Balance.lot_id == lot.id,
                    Location.kind.in_([LocationKind.DEPOT, LocationKind.IN_TRANSIT]),
                )
            )
            if held:
                raise ConflictError(
                    f"serial {cmd.lot_no} of {item.code} is already in stock", field="lot_no"
                )
        return lot

    def _usable_or_raise(self, lot: Lot, field_name: str = "lot_no") -> None:
        why = lot_usability(lot, self.today)
        if why is not None:
            raise UnusableStockError(
                f"{lot.item_code} {lot.lot_no or ''} cannot be issued: {why}".replace("  ", " "),
                field=field_name,
            )

    def issue(self, cmd: Issue, *, key: str | None = None) -> Posted:
        """Without a lot_no, a tracked item is issued from its lots FEFO, one movement each."""
        item = self.item(cmd.item)
        source = self.depot_location(cmd.depot)
        takes = lots_to_take(self, item, cmd.depot, cmd.lot_no, cmd.quantity)
        for take in takes:
            self._usable_or_raise(take.lot)
        target = self.location(cmd.destination or "ISSUED", "destination")
        if target.kind not in (LocationKind.ISSUED, LocationKind.INCIDENT):
            raise ValidationError(
                "an issue goes to units (ISSUED) or an incident location; use a transfer "
                "to move stock between depots",
                field="destination",
            )
        return self._post_takes(MovementKind.ISSUE, source, target, takes, cmd, key)

    def _post_takes(
        self,
        kind: MovementKind,
        source: Location,
        target: Location,
        takes: list[Take],
        cmd: Issue | WriteOff,
        key: str | None,
    ) -> Posted:
        """One movement per lot taken, all under the request's reason, reference and note."""
        lines = []
        for take in takes:
            movement = self._post(
                kind,
                source,
                target,
                take.lot,
                take.quantity,
                reason=cmd.reason,
                reference=cmd.reference,
                note=cmd.note,
                idempotency_key=key,
            )
            lines.append(self._line(movement, take.lot, source, target))
        return Posted([line["movement_id"] for line in lines], lines)

    def transfer_out(self, cmd: TransferOut, *, key: str | None = None) -> Posted:
        """Ship to another depot: one Transfer (and movement) per lot taken; without a
        lot_no a tracked item's lots are taken FEFO. `transfer_id` is kept when there is
        one transfer; `transfer_ids` lists them all."""
        item = self.item(cmd.item)
        source = self.depot_location(cmd.from_depot, "from_depot")
        capacity.check_storage(item, self.depot(cmd.to_depot, "to_depot"), "to_depot")
        takes = lots_to_take(self, item, cmd.from_depot, cmd.lot_no, cmd.quantity)
        for take in takes:
            self._usable_or_raise(take.lot)
        transit = self.location("IN_TRANSIT")
        lines, transfer_ids = [], []
        for take in takes:
            movement = self._post(
                MovementKind.TRANSFER_OUT,
                source,
                transit,
                take.lot,
                take.quantity,
                reason="transfer",
                reference=cmd.reference,
                note=cmd.note,
                idempotency_key=key,
            )
            transfer_ids.append(self._ship(cmd, take, movement))
            lines.append(self._line(movement, take.lot, source, transit))
        return Posted(
            [line["movement_id"] for line in lines],
            lines,
            {
                "transfer_id": transfer_ids[0] if len(transfer_ids) == 1 else None,
                "transfer_ids": transfer_ids,
                "transfer_status": TransferStatus.IN_TRANSIT.value,
            },
        )

    def _ship(self, cmd: TransferOut, take: Take, movement: PostedMovement) -> int:
        """The Transfer row of one lot shipped; its id names the movement if nothing does."""
        transfer = Transfer(
            from_depot=cmd.from_depot,
            to_depot=cmd.to_depot,
            item_code=take.lot.item_code,
            lot_id=take.lot.id,
            quantity=take.quantity,
            status=TransferStatus.IN_TRANSIT,
            shipped_at=self.now,
            out_movement_id=movement.id,
        )
        self.flush_pending()  # the movement row exists before the transfer names it
        self.session.add(transfer)
        self.session.flush()
        if movement.reference is None:
            self._set_reference(movement.id, f"transfer:{transfer.id}")
        return transfer.id

    def transfer_receive(self, cmd: TransferReceive, *, key: str | None = None) -> Posted:
        transfer = self.session.get(Transfer, cmd.transfer_id, with_for_update=True)
        if transfer is None:
            raise NotFoundError(f"unknown transfer {cmd.transfer_id}", field="transfer_id")
        if transfer.status != TransferStatus.IN_TRANSIT:
            raise ConflictError(f"transfer {transfer.id} was already received", field="transfer_id")
        lot = self.session.get_one(Lot, transfer.lot_id)
        transit = self.location("IN_TRANSIT")
        target = self.depot_location(transfer.to_depot, "to_depot")
        self._within_scope(target)
        intake = capacity.admit(
            self.session,
            self.depot(transfer.to_depot, "to_depot"),
            self.item(transfer.item_code),
            transfer.quantity,
            cmd.over_capacity_reason,
            storage_field="transfer_id",
        )
        movement = self._post(
            MovementKind.TRANSFER_IN,
            transit,
            target,
            lot,
            transfer.quantity,
            reason="transfer",
            reference=f"transfer:{transfer.id}",
            idempotency_key=key,
        )
        if intake is not None:
            intake.record(self.session, movement.id, actor=self.actor, now=self.now)
        transfer.in_movement_id = movement.id
        transfer.status = TransferStatus.RECEIVED
        transfer.received_at = self.now
        return Posted(
            [movement.id],
            [self._line(movement, lot, transit, target)],
            {"transfer_id": transfer.id, "transfer_status": transfer.status.value},
        )

    def count(self, cmd: Count, *, key: str | None = None) -> Posted:
        item = self.item(cmd.item)
        location = self.depot_location(cmd.depot)
        lot = self.existing_lot(item, cmd.lot_no)
        if item.tracking == Tracking.SERIAL and cmd.counted_quantity > 1:
            raise ValidationError("a serial is counted as 0 or 1", field="counted_quantity")
        on_hand, reserved = self.balance(location.id, lot.id)
        if item.tracking == Tracking.SERIAL and cmd.counted_quantity == 1 and on_hand == 0:
            elsewhere = self._held_elsewhere(lot, location)
            if elsewhere:
                raise ConflictError(
                    f"serial {cmd.lot_no} of {item.code} is on the books at {elsewhere}: "
                    "transfer it, or count it 0 there first",
                    field="lot_no",
                )
        diff = cmd.counted_quantity - on_hand
        extra = {"previous_on_hand": on_hand, "counted_quantity": cmd.counted_quantity}
        if diff == 0:
            return Posted([], [], extra)
        if cmd.counted_quantity < reserved:
            raise ConflictError(
                f"counted {cmd.counted_quantity} is below the {reserved} reserved on this lot: "
                "void or reduce the reservations first",
                field="counted_quantity",
            )
        adjustment = self.location("ADJUSTMENT")
        source, target = (adjustment, location) if diff > 0 else (location, adjustment)
        movement = self._post(
            MovementKind.COUNT,
            source,
            target,
            lot,
            abs(diff),
            reason=cmd.reason,
            reference=cmd.reference,
            note=cmd.note,
            idempotency_key=key,
        )
        return Posted([movement.id], [self._line(movement, lot, source, target)], extra)

    def _held_elsewhere(self, lot: Lot, here: Location) -> str | None:
        row = self.session.execute(
            select(Location.code)
            .join(Balance, Balance.location_id == Location.id)
            .where(
                Balance.lot_id == lot.id,
                Balance.on_hand > 0,
                Location.id != here.id,
                Location.kind.in_([LocationKind.DEPOT, LocationKind.IN_TRANSIT]),
            )
        ).first()
        return None if row is None else str(row[0])

    def write_off(self, cmd: WriteOff, *, key: str | None = None) -> Posted:
        """A named lot is written off whatever its state; without a lot_no a tracked item's
        usable lots are taken FEFO (name the lot to scrap expired or damaged stock)."""
        item = self.item(cmd.item)
        source = self.depot_location(cmd.depot)
        takes = lots_to_take(self, item, cmd.depot, cmd.lot_no, cmd.quantity)
        scrap = self.location("SCRAP")
        return self._post_takes(MovementKind.WRITE_OFF, source, scrap, takes, cmd, key)

    def reverse(self, movement_id: int, *, reason: str, key: str | None = None) -> Posted:
        """Correct a mistake with a compensating movement; the original stays."""
        original = self.session.get(Movement, movement_id, with_for_update=True)
        if original is None:
            raise NotFoundError(f"unknown movement {movement_id}", field="movement_id")
        already = self.session.scalar(
            select(func.count()).select_from(Movement).where(Movement.reverses_id == movement_id)
        )
        if already:
            raise ConflictError(f"movement {movement_id} was already reversed", field="movement_id")
        if original.reverses_id is not None:
            raise ConflictError("a reversal cannot itself be reversed", field="movement_id")
        if original.kind not in REVERSIBLE:
            raise ConflictError(
                f"a {original.kind.value} movement is part of a transfer or a dispatch plan: "
                "correct it with a transfer back or by cancelling the plan",
                field="movement_id",
            )
        lot = self.session.get_one(Lot, original.lot_id)
        source = self.session.get_one(Location, original.to_location_id)
        target = self.session.get_one(Location, original.from_location_id)
        movement = self._post(
            MovementKind.REVERSAL,
            source,
            target,
            lot,
            original.quantity,
            reason=reason,
            reference=f"reversal:{movement_id}",
            idempotency_key=key,
            reverses_id=movement_id,
        )
        return Posted([movement.id], [self._line(movement, lot, source, target)])

    def set_condition(
        self, item_code: str, lot_no: str | None, condition: Condition, *, reason: str
    ) -> LotConditionChange:
        """Quarantine, release, or mark a lot / serial unserviceable or in repair; the
        change is recorded. Stock held for a confirmed plan cannot be taken out of use."""
        item = self.item(item_code)
        lot = self.session.get(Lot, self.existing_lot(item, lot_no).id, with_for_update=True)
        assert lot is not None
        if lot.is_bulk:
            raise ValidationError(
                f"item {item.code} is not tracked: its stock has no condition of its own",
                field="lot_no",
            )
        if lot.condition == condition:
            raise ConflictError(f"{lot_no} is already {condition.value}", field="condition")
        self._lot_within_scope(lot)
        held = self.session.scalar(
            select(func.coalesce(func.sum(Balance.reserved), 0)).where(Balance.lot_id == lot.id)
        )
        if held and condition != Condition.SERVICEABLE:
            raise ConflictError(
                f"{held} of {lot_no} are reserved for a confirmed plan: cancel or re-plan first",
                field="condition",
            )
        change = LotConditionChange(
            lot_id=lot.id,
            old_condition=lot.condition,
            new_condition=condition,
            reason=reason,
            actor=self.actor,
            changed_at=self.now,
        )
        lot.condition = condition
        self.session.add(change)
        self.session.flush()
        return change

    def _lot_within_scope(self, lot: Lot) -> None:
        """A lot's condition holds wherever it lies: a scoped actor may change it only when
        every depot holding it is theirs."""
        holders = self.session.scalars(
            select(Location)
            .join(Balance, Balance.location_id == Location.id)
            .where(Balance.lot_id == lot.id, Balance.on_hand > 0, Location.depot_code.is_not(None))
        ).all()
        for location in holders:
            self._within_scope(location)

    # ------------------------------------------------------------ reservations
    def reserve(self, lines: Sequence[ReserveLine], reference: str) -> list[Reservation]:
        """Hold stock for a plan, all lines or none. Lines without a lot are picked FEFO."""
        planned: list[tuple[Location, Lot, int]] = []
        for n, line in enumerate(lines):
            item = self.item(line.item, f"lines[{n}].item")
            location = self.depot_location(line.depot, f"lines[{n}].depot")
            if line.lot_no is None and item.tracking != Tracking.NONE:
                for pick in self.pick_fefo(line.depot, line.item, line.quantity):
                    planned.append(
                        (location, self.session.get_one(Lot, pick.lot_id), pick.quantity)
                    )
                continue
            lot = self.existing_lot(item, line.lot_no)
            self._check_serial_quantity(item, line.quantity)
            self._usable_or_raise(lot, f"lines[{n}].lot_no")
            planned.append((location, lot, line.quantity))
        merged: dict[tuple[int, int], tuple[Location, Lot, int]] = {}
        for location, lot, qty in planned:
            prev = merged.get((location.id, lot.id))
            merged[(location.id, lot.id)] = (location, lot, qty + (prev[2] if prev else 0))
        reservations = []
        for key_ in sorted(merged):
            location, lot, qty = merged[key_]
            result = self.session.execute(
                update(Balance)
                .where(
                    Balance.location_id == location.id,
                    Balance.lot_id == lot.id,
                    Balance.on_hand - Balance.reserved >= qty,
                )
                .values(reserved=Balance.reserved + qty)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                on_hand, reserved = self.balance(location.id, lot.id)
                raise InsufficientStockError(
                    f"{location.code} holds {on_hand - reserved} available of "
                    f"{lot.lot_no or lot.item_code}; {qty} to reserve",
                    field="quantity",
                )
            reservation = Reservation(
                location_id=location.id,
                lot_id=lot.id,
                item_code=lot.item_code,
                quantity=qty,
                status=ReservationStatus.PENDING,
                reference=reference,
                actor=self.actor,
                created_at=self.now,
            )
            self.session.add(reservation)
            reservations.append(reservation)
        self.session.flush()
        return reservations

    def _pending(self, reservation_id: int) -> Reservation:
        reservation = self.session.get(Reservation, reservation_id, with_for_update=True)
        if reservation is None:
            raise NotFoundError(f"unknown reservation {reservation_id}", field="reservation_id")
        if reservation.status != ReservationStatus.PENDING:
            raise ConflictError(
                f"reservation {reservation_id} is already {reservation.status.value}",
                field="reservation_id",
            )
        return reservation

    def post_reservation(
        self,
        reservation_id: int,
        *,
        to_location: str = "IN_TRANSIT",
        kind: MovementKind = MovementKind.DISPATCH,
        key: str | None = None,
    ) -> PostedMovement:
        """Turn a pending reservation into a movement out of the depot."""
        reservation = self._pending(reservation_id)
        lot = self.session.get_one(Lot, reservation.lot_id)
        source = self.session.get_one(Location, reservation.location_id)
        target = self.location(to_location, "to_location")
        movement = self._post(
            kind,
            source,
            target,
            lot,
            reservation.quantity,
            reason="dispatch",
            reference=reservation.reference,
            idempotency_key=key,
            from_reserved=True,
        )
        reservation.status = ReservationStatus.POSTED
        reservation.closed_at = self.now
        return movement

    def void_reservation(self, reservation_id: int) -> Reservation:
        reservation = self._pending(reservation_id)
        result = self.session.execute(
            update(Balance)
            .where(
                Balance.location_id == reservation.location_id,
                Balance.lot_id == reservation.lot_id,
                Balance.reserved >= reservation.quantity,
            )
            .values(reserved=Balance.reserved - reservation.quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError("balance out of step with reservation", field="reservation_id")
        reservation.status = ReservationStatus.VOIDED
        reservation.closed_at = self.now
        return reservation

    def move_between(
        self,
        from_code: str,
        to_code: str,
        item_code: str,
        lot_id: int,
        quantity: int,
        *,
        kind: MovementKind,
        reason: str,
        reference: str | None = None,
    ) -> PostedMovement:
        """A movement between two named locations (e.g. in-transit to an incident)."""
        lot = self.session.get(Lot, lot_id)
        if lot is None or lot.item_code != item_code:
            raise NotFoundError(f"unknown lot {lot_id} of {item_code}", field="lot_id")
        return self._post(
            kind,
            self.location(from_code, "from"),
            self.location(to_code, "to"),
            lot,
            quantity,
            reason=reason,
            reference=reference,
        )

    # ------------------------------------------------------------------ picking
    def pick_fefo(self, depot_code: str, item_code: str, quantity: int) -> list[PickLine]:
        """Lots to take `quantity` from, first expiry first out; only usable stock."""
        item = self.item(item_code)
        location = self.depot_location(depot_code)
        rows = self.session.execute(
            select(Lot, Balance.on_hand - Balance.reserved)
            .join(Balance, Balance.lot_id == Lot.id)
            .where(
                Balance.location_id == location.id,
                Lot.item_code == item.code,
                Balance.on_hand - Balance.reserved > 0,
            )
        ).all()
        usable = [
            (lot, int(avail)) for lot, avail in rows if lot_usability(lot, self.today) is None
        ]
        usable.sort(key=lambda r: fefo_key(r[0]))
        picks: list[PickLine] = []
        remaining = quantity
        for lot, avail in usable:
            if remaining <= 0:
                break
            take = min(avail, remaining)
            picks.append(PickLine(lot.id, lot.lot_no, lot.expiry_date, take))
            remaining -= take
        if remaining > 0:
            raise InsufficientStockError(
                f"{depot_code} holds {quantity - remaining} usable {item_code}; "
                f"{quantity} requested",
                field="quantity",
            )
        return picks


def ensure_virtual_locations(session: Session) -> None:
    existing = set(session.scalars(select(Location.code)))
    for code, (kind, name) in VIRTUAL_LOCATIONS.items():
        if code not in existing:
            session.add(Location(code=code, kind=kind, name=name))
    session.flush()


def ensure_depot_location(session: Session, depot: Depot) -> Location:
    code = depot_location_code(depot.code)
    loc = session.scalars(select(Location).where(Location.code == code)).one_or_none()
    if loc is None:
        loc = Location(
            code=code, kind=LocationKind.DEPOT, depot_code=depot.code, name=depot.name_en
        )
        session.add(loc)
        session.flush()
    return loc
