"""The optimiser's procurement result as typed rows and back: written by the job, read
back as `RunOutputs` by the routes and the CLI (no JSON blob stands for the result)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from inventory.procurement_models import (
    ProcurementBinding,
    ProcurementOrder,
    ProcurementRun,
    ProcurementStock,
    ProcurementUpgradeStart,
    ProcurementYear,
)
from inventory.procurement_records import ProcurementRecords, RunFigures, RunRows
from optimizer.procurement_model import (
    Binding,
    Order,
    ProcurementResult,
    Status,
    UpgradeStart,
    YearStock,
    YearSummary,
)

from .procurement_views import ItemFacts, RunOutputs, YearReadiness


def result_rows(
    result: ProcurementResult,
    readiness: Sequence[YearReadiness],
    today: YearReadiness | None,
) -> tuple[RunFigures, RunRows]:
    """The run's figures and result rows, ready for `ProcurementRecords.finish`."""
    figures = RunFigures(
        solve_status=result.status,
        solver=result.solver,
        shortfall=result.shortfall,
        shortfall_bound=result.shortfall_bound,
        cost_vnd=result.cost_vnd,
        cost_bound=result.cost_bound,
        gap=result.gap,
        wall_s=result.wall_s,
        message=result.message,
        today_served_share=None if today is None else today.served_share,
        today_expected_unmet=None if today is None else today.expected_unmet,
    )
    ready = {r.year: r for r in readiness}
    rows = RunRows(
        orders=[_order_row(n, o) for n, o in enumerate(result.orders, start=1)],
        upgrades=[
            ProcurementUpgradeStart(
                seq=n,
                upgrade=u.upgrade,
                depot_code=u.depot,
                year=u.year,
                ready_year=u.ready_year,
                cost_vnd=u.cost_vnd,
            )
            for n, u in enumerate(result.upgrades, start=1)
        ],
        stock=[_stock_row(s) for s in result.stock],
        years=[_year_row(y, ready.get(y.year)) for y in result.years],
        binding=[
            ProcurementBinding(
                seq=n,
                kind=b.kind,
                subject=b.subject,
                year=b.year,
                text=b.text,
                shadow_price=b.shadow_price,
            )
            for n, b in enumerate(result.binding, start=1)
        ],
    )
    return figures, rows


def _order_row(seq: int, o: Order) -> ProcurementOrder:
    return ProcurementOrder(
        seq=seq,
        year=o.year,
        source=o.source,
        depot_code=o.depot,
        item_code=o.item,
        quantity=o.quantity,
        cost_vnd=o.cost_vnd,
        arrives_year=o.arrives_year,
        usable_through=o.usable_through,
    )


def _stock_row(s: YearStock) -> ProcurementStock:
    return ProcurementStock(
        year=s.year,
        depot_code=s.depot,
        item_code=s.item,
        target=s.target,
        held=s.held,
        shortfall=s.shortfall,
        expiring=s.expiring,
        arriving=s.arriving,
    )


def _year_row(y: YearSummary, ready: YearReadiness | None) -> ProcurementYear:
    return ProcurementYear(
        year=y.year,
        budget_vnd=y.budget_vnd,
        spend_vnd=y.spend_vnd,
        target_units=y.target_units,
        shortfall_units=y.shortfall_units,
        weighted_shortfall=y.weighted_shortfall,
        storage_used_m3=y.storage_used_m3,
        storage_capacity_m3=y.storage_capacity_m3,
        served_share=None if ready is None else ready.served_share,
        expected_unmet=None if ready is None else ready.expected_unmet,
    )


def run_outputs(records: ProcurementRecords, run: ProcurementRun) -> RunOutputs:
    """A finished run re-made from its rows (call only when it has succeeded)."""
    rows = records.rows(run.id)
    codes = sorted({s.item_code for s in rows.stock} | {o.item_code for o in rows.orders})
    items = {
        i.code: ItemFacts(i.code, i.name_vi, i.name_en, i.category, i.unit)
        for i in records.items(codes)
    }
    today = None
    if run.today_served_share is not None and run.today_expected_unmet is not None:
        today = YearReadiness(run.first_year - 1, run.today_served_share, run.today_expected_unmet)
    return RunOutputs(
        run_id=run.id,
        label=run.label,
        result=_result(run, rows),
        readiness=tuple(
            YearReadiness(y.year, y.served_share, y.expected_unmet)
            for y in rows.years
            if y.served_share is not None and y.expected_unmet is not None
        ),
        readiness_today=today,
        items=items,
    )


def _result(run: ProcurementRun, rows: RunRows) -> ProcurementResult:
    return ProcurementResult(
        status=cast(Status, run.solve_status),
        solver=run.solver or "",
        shortfall=run.shortfall or 0.0,
        shortfall_bound=run.shortfall_bound,
        cost_vnd=run.cost_vnd or 0,
        cost_bound=run.cost_bound,
        gap=run.gap,
        wall_s=run.wall_s or 0.0,
        orders=tuple(
            Order(
                o.year,
                o.source,
                o.depot_code,
                o.item_code,
                o.quantity,
                o.cost_vnd,
                o.arrives_year,
                o.usable_through,
            )
            for o in rows.orders
        ),
        upgrades=tuple(
            UpgradeStart(u.upgrade, u.depot_code, u.year, u.ready_year, u.cost_vnd)
            for u in rows.upgrades
        ),
        stock=tuple(
            YearStock(
                s.year,
                s.depot_code,
                s.item_code,
                s.target,
                s.held,
                s.shortfall,
                s.expiring,
                s.arriving,
            )
            for s in rows.stock
        ),
        years=tuple(
            YearSummary(
                y.year,
                y.budget_vnd,
                y.spend_vnd,
                y.target_units,
                y.shortfall_units,
                y.weighted_shortfall,
                y.storage_used_m3,
                y.storage_capacity_m3,
            )
            for y in rows.years
        ),
        binding=tuple(
            Binding(b.kind, b.subject, b.year, b.text, b.shadow_price)  # type: ignore[arg-type]
            for b in rows.binding
        ),
        message=run.message or "",
    )
