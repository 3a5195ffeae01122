"""Import of receipts: every row of a file posts or none does.

Rows are checked for shape first (api/import_parsing.py: columns and their Vietnamese
aliases, dates, quantities), then each is posted inside a savepoint so that ledger rules
(tracking, storage class, lot expiry) are reported per row too; any bad row rolls the
whole file back. The stock export is api/export.py."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from inventory.commands import Receipt
from inventory.errors import ForbiddenError, InventoryError
from inventory.idempotency import Claim
from inventory.ledger import Ledger, fingerprint
from inventory.uow import UnitOfWork

from .idempotency import run_once
from .import_parsing import ImportRejected, parse_receipts, read_table
from .problems import ApiProblem


def import_receipts(
    uow: UnitOfWork,
    content: bytes,
    filename: str,
    *,
    key: str | None,
    actor: str,
    max_rows: int,
    keep_refusals: bool = True,
) -> tuple[dict[str, Any], bool]:
    """Post every row of a receipts file or none, once per key; returns (result, replayed).
    A refusal names every bad row, the ledger's refusals included. A file of the wrong
    shape is refused before the key is claimed (request validation: the same bytes always
    fail the same way); the ledger's refusal of a well-formed file is kept against the key
    and replayed, unless `keep_refusals` is off (the CLI, whose key is the file's hash)."""
    frame = read_table(content, filename, max_rows=max_rows)
    receipts, errors = parse_receipts(frame)
    if not receipts and not errors:
        raise ApiProblem(422, "Empty import", "the file has no data rows", field="file")
    if errors:
        # Still check the well-formed rows against the ledger, so that one refusal names
        # every bad row; never committed.
        with uow:
            try:
                _post_all(uow.ledger(actor), receipts, None)
            except ImportRejected as more:
                errors.extend(more.errors or [])
        raise ImportRejected(sorted(errors, key=lambda e: (e["row"], e["field"])))
    payload = {"sha256": fingerprint("file", {"rows": [asdict(r) for _, r in receipts]})}

    def post(claim: Claim) -> dict[str, Any]:
        with uow:
            result = _post_all(uow.ledger(actor), receipts, key)
            uow.answer(claim, result)
            uow.commit()
        return result

    return run_once(uow, key, "import", payload, post, keep_refusals=keep_refusals)


def _post_all(
    ledger: Ledger, receipts: list[tuple[int, Receipt]], key: str | None
) -> dict[str, Any]:
    """Post every row in one transaction, in batches: the lots the file names are read in
    a few queries, each row goes through the ledger's own receipt rules (so a refusal
    names its row and field, and the next row is still checked), and the balance changes
    and ledger lines are written by `Ledger.batch()` with executemany, not one flush per
    row. Any refused row refuses the file: the caller rolls the whole transaction back."""
    ids: list[int] = []
    errors: list[dict[str, Any]] = []
    ledger.prefetch_lots((r.item, r.lot_no) for _, r in receipts if r.lot_no)
    with ledger.batch():
        for row, receipt in receipts:
            try:
                with ledger.savepoint():
                    ids.extend(ledger.receive(receipt, key=key).movement_ids)
            except ForbiddenError:
                raise  # a row at a depot outside the actor's scope refuses the file: 403
            except InventoryError as exc:
                errors.append({"row": row, "field": exc.field or "row", "message": exc.message})
        if errors:
            raise ImportRejected(errors)
    return {"rows": len(receipts), "movement_ids": ids}
