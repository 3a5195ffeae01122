"""Use cases of a plan's life: confirm (reserve), dispatch (post to in-transit), deliver
(to the incident), cancel (void). Each is one short transaction; each locks the plan's
incidents first, in id order, as planning does, so the two never race."""

from __future__ import annotations

from collections.abc import Callable

from inventory.ledger import Ledger
from inventory.models import DispatchPlanRecord
from inventory.plans import PlanRecords
from inventory.uow import UnitOfWork

from .dispatch_presenters import plan_read
from .dispatch_schemas import PlanRead

Step = Callable[[PlanRecords, DispatchPlanRecord, Ledger, UnitOfWork], None]


def _step(uow: UnitOfWork, plan_id: int, actor: str, step: Step) -> PlanRead:
    with uow:
        uow.incidents.lock(uow.plans.incident_ids_of(plan_id))
        plan = uow.plans.get(plan_id, lock=True)
        step(uow.plans, plan, uow.ledger(actor), uow)
        answer = plan_read(uow.plans, plan)
        uow.commit()
    return answer


def confirm_plan(uow: UnitOfWork, plan_id: int, *, actor: str) -> PlanRead:
    """Reserve every pick line, all or nothing; 409 if the stock or vehicles changed or
    the plan was superseded (naming the plan that replaced it)."""

    def confirm(
        plans: PlanRecords, plan: DispatchPlanRecord, ledger: Ledger, u: UnitOfWork
    ) -> None:
        status = {i: u.incidents.get(i).status for i in plan.incident_ids}
        plans.confirm(plan, ledger=ledger, open_status=status)

    return _step(uow, plan_id, actor, confirm)


def dispatch_plan(uow: UnitOfWork, plan_id: int, *, actor: str) -> PlanRead:
    """The vehicles leave: reservations are posted, stock moves to in-transit."""
    return _step(
        uow, plan_id, actor, lambda plans, plan, ledger, _: plans.dispatch(plan, ledger=ledger)
    )


def deliver_plan(uow: UnitOfWork, plan_id: int, *, actor: str) -> PlanRead:
    """The goods reached the incident: in-transit stock moves to the incident site."""
    return _step(
        uow, plan_id, actor, lambda plans, plan, ledger, _: plans.deliver(plan, ledger=ledger)
    )


def cancel_plan(uow: UnitOfWork, plan_id: int, *, actor: str) -> PlanRead:
    """Void what a draft or confirmed plan holds; a plan on the road cannot be cancelled."""
    return _step(
        uow, plan_id, actor, lambda plans, plan, ledger, _: plans.cancel(plan, ledger=ledger)
    )
