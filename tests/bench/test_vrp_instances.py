"""The benchmark's instances: reading VRPLIB and Solomon files, the distance conventions,
the solver-independent checker, and clear errors for bad files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench.vrp_check import VrpSolution, check_vrp_solution
from bench.vrp_instances import VrpInstance, read_instance
from optimizer.errors import InvalidProblemError

from .tiny import TINY_SOLOMON, TINY_VRPLIB, tiny_cvrp, write

pytest.importorskip("vrplib")


def test_reading_a_vrplib_file_gives_a_cvrp_in_the_files_numbering(tmp_path: Path) -> None:
    instance = tiny_cvrp(tmp_path)

    assert instance.kind == "cvrp"
    assert instance.numbers == (1, 2, 3, 4, 5, 6, 7)
    assert instance.depot == 0
    assert instance.capacity == 10
    assert instance.demands == (0, 4, 3, 5, 4, 6, 3)
    assert instance.num_vehicles is None
    assert instance.time_windows is None
    assert instance.scale == 1


def test_vrplib_distances_are_rounded_to_the_nearest_integer(tmp_path: Path) -> None:
    d = tiny_cvrp(tmp_path).distances

    assert d[0, 1] == 3  # sqrt(8) = 2.83 rounds up
    assert d[0, 2] == 2  # sqrt(5) = 2.24 rounds down
    assert d[0, 3] == 5  # 3-4-5 triangle, exact
    assert d[1, 2] == 1
    assert (d == d.T).all()


def test_reading_a_solomon_file_gives_a_vrptw_in_tenths(tmp_path: Path) -> None:
    instance = read_instance(write(tmp_path, "TINY5.txt", TINY_SOLOMON))

    assert instance.kind == "vrptw"
    assert instance.name == "TINY5"
    assert instance.numbers == (0, 1, 2, 3, 4, 5)
    assert instance.num_vehicles == 3
    assert instance.capacity == 10
    assert instance.scale == 10
    assert instance.time_windows is not None
    assert instance.time_windows[2] == (100, 400)
    assert instance.service_times == (0, 20, 20, 10, 10, 30)


def test_solomon_distances_are_truncated_to_one_decimal(tmp_path: Path) -> None:
    d = read_instance(write(tmp_path, "TINY5.txt", TINY_SOLOMON)).distances

    assert d[0, 1] == 44  # sqrt(20) = 4.472: truncated 4.4, where rounding gives 4.5
    assert d[0, 3] == 36  # sqrt(13) = 3.606
    assert d[0, 4] == 53  # sqrt(29) = 5.385: truncated 5.3, rounding would give 5.4
    assert d[1, 2] == 31  # sqrt(10) = 3.162


def test_a_solomon_file_is_recognised_by_its_content_not_its_extension(
    tmp_path: Path,
) -> None:
    instance = read_instance(write(tmp_path, "tiny.data", TINY_SOLOMON))

    assert instance.kind == "vrptw"


def test_a_gehring_homberger_vrplib_file_reads_its_fleet_and_scalar_service_time() -> None:
    path = Path(__file__).parents[2] / "bench" / "instances" / "R1_2_1.vrp"

    instance = read_instance(path)

    assert instance.kind == "vrptw"
    assert len(instance.clients) == 200
    assert instance.num_vehicles == 50
    assert instance.capacity == 200
    assert instance.service_times[instance.depot] == 0
    assert set(instance.service_times[1:]) == {10}
    assert instance.time_windows is not None
    assert instance.time_windows[0] == (0, 634)
    assert instance.time_windows[1] == (37, 47)
    assert int(instance.distances[0, 1]) == round(math.hypot(107 - 70, 77 - 70))


def test_the_checker_reports_every_broken_rule(tmp_path: Path) -> None:
    instance = read_instance(write(tmp_path, "TINY5.txt", TINY_SOLOMON))
    # Client 4 is missing, client 1 twice; the first route carries 3 + 4 + 5 + 3 > 10.
    bad = VrpSolution(((1, 2, 3, 1), (5,)), 1.0, 10, 2, 0.0, True)

    violations = check_vrp_solution(instance, bad)

    assert any("client 4 visited 0 times" in v for v in violations)
    assert any("client 1 visited 2 times" in v for v in violations)
    assert any("load 15 > capacity 10" in v for v in violations)
    assert any("after its due time" in v for v in violations)
    assert any("!= recomputed" in v for v in violations)


def test_an_instance_whose_client_outweighs_a_vehicle_is_rejected() -> None:
    with pytest.raises(InvalidProblemError, match="more than a vehicle's capacity"):
        VrpInstance("big", "cvrp", np.zeros((2, 2), dtype=np.int64), (0, 11), 10)


def test_a_garbage_file_raises_invalid_problem_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "garbage.vrp", "this is not\nan instance at all\n")

    with pytest.raises(InvalidProblemError) as raised:
        read_instance(path)

    message = str(raised.value)
    assert message.startswith("garbage.vrp: not a valid VRPLIB file")
    assert "\n" not in message


def test_a_binary_file_raises_invalid_problem_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.vrp"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")

    with pytest.raises(InvalidProblemError, match=r"^binary.vrp: cannot read the file"):
        read_instance(path)


def test_a_missing_file_raises_invalid_problem_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidProblemError, match=r"^nowhere.vrp: cannot read the file"):
        read_instance(tmp_path / "nowhere.vrp")


def test_an_unsupported_vrplib_feature_is_named(tmp_path: Path) -> None:
    text = TINY_VRPLIB.replace("CAPACITY : 10\n", "CAPACITY : 10\nDISTANCE : 50\n")

    with pytest.raises(InvalidProblemError, match="unsupported VRPLIB feature DISTANCE"):
        read_instance(write(tmp_path, "limited.vrp", text))


def test_two_depots_are_rejected(tmp_path: Path) -> None:
    text = TINY_VRPLIB.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n1\n2\n")

    with pytest.raises(InvalidProblemError, match="2 depots"):
        read_instance(write(tmp_path, "two.vrp", text))
