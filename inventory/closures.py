"""Road closures and hazard zones as records of the books (the network itself is pure)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import NotFoundError
from .models import RoadClosure


class ClosureRecords:
    """Closures stored, listed and lifted; every later plan sees the active ones.

    Nothing here commits: the unit of work (or the read session) owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: RoadClosure) -> RoadClosure:
        """Store a new closure; flushed, so its id is known before the commit."""
        self.session.add(row)
        self.session.flush()
        return row

    def get_for_update(self, closure_id: int) -> RoadClosure:
        """One closure, locked until the transaction ends, so that two lifts serialise."""
        row = self.session.get(RoadClosure, closure_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"unknown closure {closure_id}", field="closure_id")
        return row

    def active(self) -> list[RoadClosure]:
        """Closures and zones not yet lifted, oldest first (the order overlays are built in)."""
        stmt = select(RoadClosure).where(RoadClosure.lifted_at.is_(None)).order_by(RoadClosure.id)
        return list(self.session.scalars(stmt))

    def all(self) -> list[RoadClosure]:
        """Every closure ever set, lifted ones included, oldest first."""
        return list(self.session.scalars(select(RoadClosure).order_by(RoadClosure.id)))
