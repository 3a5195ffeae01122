"""The planning use case with a fake unit of work: it solves with no transaction open,
stores in one commit, supersedes drafts, replays retries without solving, and solves
again (then gives up with a 409) when the books change under it."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.planning import SOLVE_ATTEMPTS, PlanCommand, plan_dispatch
from api.settings import Settings
from inventory.errors import ConflictError, ValidationError
from inventory.models import DispatchPlanRecord, PlanIncidentLink, PlanStatus
from inventory.snapshot import (
    DemandView,
    DepotStockView,
    DispatchSnapshot,
    FreeVehicle,
    IncidentView,
    ItemView,
    LotAvailable,
)
from network import RoadRouter, load_road_graph
from optimizer import DispatchParams, DispatchPlan, DispatchProblem, solve_dispatch

from .dispatch_fakes import T0, FakeIncidentRecords, FakePlanRecords, incident
from .fakes import FakeUnitOfWork

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def road() -> RoadRouter:
    return RoadRouter(load_road_graph(DATA))


def snapshot() -> DispatchSnapshot:
    scba = ItemView("RSP-SCBA", "Self-contained breathing apparatus", 13.5, 0.05, ())
    return DispatchSnapshot(
        t0=T0,
        depots=(
            DepotStockView(
                "D-BHA",
                "bien_hoa",
                {"RSP-SCBA": tuple(LotAvailable(100 + n, f"SN-{n}", 1) for n in range(6))},
                {},
            ),
            DepotStockView("D-VTU", "vung_tau", {}, {}),
        ),
        vehicles=(FreeVehicle("D-BHA/truck_2t/1", "D-BHA", "truck_2t", 2000.0, 10.0, 1.0),),
        items={"RSP-SCBA": scba},
        incidents=(
            IncidentView(
                1,
                "chemical_release",
                "national",
                10.93,
                106.85,
                "bien_hoa",
                3,
                (DemandView("RSP-SCBA", 4, T0.replace(hour=5), 5),),
            ),
        ),
    )


def world(*, changes: list[list[str]] | None = None) -> tuple[FakeUnitOfWork, FakePlanRecords]:
    uow = FakeUnitOfWork()
    plans = FakePlanRecords(snapshot(), changes=changes or [])
    uow.incidents = FakeIncidentRecords(incident(1))
    uow.plans = plans
    return uow, plans


def existing(plans: FakePlanRecords, plan_id: int, status: PlanStatus) -> DispatchPlanRecord:
    record = DispatchPlanRecord(id=plan_id, status=status)
    record.links = [PlanIncidentLink(plan_id=plan_id, incident_id=1, live=True)]
    plans.plans[plan_id] = record
    return record


def test_a_plan_is_solved_with_no_transaction_open_and_stored_in_one_commit(
    road: RoadRouter,
) -> None:
    uow, plans = world()
    open_during_solve: list[bool] = []

    def solve(problem: DispatchProblem, params: DispatchParams) -> DispatchPlan:
        open_during_solve.append(uow._transaction is not None)
        return solve_dispatch(problem, params)

    answer, replayed = plan_dispatch(
        uow, road, Settings(), PlanCommand(1, time_limit_s=1), actor="t", solve=solve
    )

    assert open_during_solve == [False]
    assert uow.commits == 1 and not replayed
    assert answer["status"] == "draft" and answer["incidents"] == [1]
    assert answer["summary"]["met_units"] == 4
    assert plans.live_plans([1])[1].id == answer["id"]


def test_asking_again_supersedes_the_draft_and_points_it_at_the_new_plan(
    road: RoadRouter,
) -> None:
    uow, plans = world()
    old = existing(plans, 41, PlanStatus.DRAFT)

    answer, _ = plan_dispatch(uow, road, Settings(), PlanCommand(1, time_limit_s=1), actor="t")

    assert old.status == PlanStatus.SUPERSEDED
    assert old.superseded_by_id == answer["id"]
    assert answer["replaces"] == 41


def test_a_confirmed_plan_is_replaced_only_by_a_replan(road: RoadRouter) -> None:
    uow, plans = world()
    existing(plans, 7, PlanStatus.CONFIRMED)

    with pytest.raises(ConflictError, match="replan"):
        plan_dispatch(uow, road, Settings(), PlanCommand(1, time_limit_s=1), actor="t")
    answer, _ = plan_dispatch(
        uow, road, Settings(), PlanCommand(1, replan=True, time_limit_s=1), actor="t"
    )

    assert answer["replaces"] == 7 and plans.plans[7].status == PlanStatus.SUPERSEDED
    assert uow.commits == 1


def test_a_retry_with_the_same_key_replays_the_first_plan_without_solving_again(
    road: RoadRouter,
) -> None:
    uow, plans = world()
    solves: list[int] = []

    def solve(problem: DispatchProblem, params: DispatchParams) -> DispatchPlan:
        solves.append(1)
        return solve_dispatch(problem, params)

    cmd = PlanCommand(1, time_limit_s=1)
    first, _ = plan_dispatch(uow, road, Settings(), cmd, actor="t", key="key-0001", solve=solve)
    again, replayed = plan_dispatch(
        uow, road, Settings(), cmd, actor="t", key="key-0001", solve=solve
    )

    assert replayed and again == first
    assert len(solves) == 1 and plans.snapshots_read == 1 and len(plans.rows) == 1


def test_books_that_keep_changing_under_the_solve_end_in_a_409_with_nothing_stored(
    road: RoadRouter,
) -> None:
    changes = [[f"D-BHA now has 0 available of lot {100 + n}"] for n in range(SOLVE_ATTEMPTS)]
    uow, plans = world(changes=changes)

    with pytest.raises(ConflictError, match="kept changing"):
        plan_dispatch(uow, road, Settings(), PlanCommand(1, time_limit_s=1), actor="t")

    assert plans.snapshots_read == SOLVE_ATTEMPTS
    assert uow.commits == 0 and plans.rows == {}


def test_books_that_change_once_are_read_again_and_the_second_plan_is_stored(
    road: RoadRouter,
) -> None:
    uow, plans = world(changes=[["road closures changed"]])

    answer, _ = plan_dispatch(uow, road, Settings(), PlanCommand(1, time_limit_s=1), actor="t")

    assert plans.snapshots_read == 2 and list(plans.rows) == [answer["id"]]
    assert uow.commits == 1


def test_with_incidents_naming_the_incident_itself_is_refused_before_any_solve(
    road: RoadRouter,
) -> None:
    uow, plans = world()

    with pytest.raises(ValidationError) as refused:
        plan_dispatch(uow, road, Settings(), PlanCommand(1, with_incidents=(1,)), actor="t")

    assert refused.value.field == "with_incidents[0]"
    assert plans.snapshots_read == 0 and uow.commits == 0
