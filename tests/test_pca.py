"""`hw1 pca` end to end on CPU, and its one-line usage errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import read_rows, run_cli


def test_pca_quick_writes_coordinates_summary_and_figures(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "pca"
    result = run_cli(
        "pca", "--quick", "--data-dir", tiny_mnist, "--no-download", "--epochs", "4", "--every", "2", "--device", "cpu",
        "-o", out, "--quiet",
    )
    assert result.exit_code == 0, result.output
    for name in ("coordinates.csv", "summary.csv", "metrics.csv", "pca_whole.png", "pca_layer1.png", "run.json"):
        assert (out / name).stat().st_size > 0, name
    coordinates = read_rows(out / "coordinates.csv")
    # 3 runs (--quick), 4 epochs, snapshots at epochs 0, 2, 4, in two views.
    assert len(coordinates) == 2 * 3 * 3
    assert {r["view"] for r in coordinates} == {"whole", "layer1"}
    assert sorted({int(r["epoch"]) for r in coordinates}) == [0, 2, 4]
    assert all(0 <= float(r["train_acc"]) <= 1 for r in coordinates)
    summary = read_rows(out / "summary.csv")
    assert [int(r["seed"]) for r in summary] == [0, 1, 2] and summary[0]["params"] == "8280"
    record = json.loads((out / "run.json").read_text())
    ratios = record["explained_variance_ratio"]
    assert set(ratios) == {"whole", "layer1"} and all(0 < sum(v) <= 1 + 1e-9 for v in ratios.values())
    assert float(summary[0]["whole_pc1_explained"]) == pytest.approx(ratios["whole"][0])
    # Running means (metrics.csv) and eval-mode numbers (coordinates, summary) have distinct names, as in mnist.
    metrics = read_rows(out / "metrics.csv")
    assert list(metrics[0]) == ["run", "seed", "epoch", "running_loss", "running_acc", "epoch_seconds"]
    assert [(r["run"], r["epoch"]) for r in metrics] == [(str(k), str(e)) for e in range(1, 5) for k in range(3)]
    assert all(float(r["running_loss"]) > 0 and 0 <= float(r["running_acc"]) <= 1 for r in metrics)
    for r in summary:  # summary's train_* are the last snapshot's eval-mode values, exactly
        (last,) = [c for c in coordinates if c["view"] == "whole" and c["run"] == r["run"] and c["epoch"] == "4"]
        assert (r["train_loss"], r["train_acc"], r["test_acc"]) == (last["train_loss"], last["train_acc"], last["test_acc"])


@pytest.mark.parametrize(
    "args, message",
    [(["--runs", "0"], "--runs must be >= 1"), (["--every", "0"], "--every must be >= 1"), (["--lr", "-1"], "--lr must be > 0")],
)
def test_pca_bad_values_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("pca", "--dataset", "digits", "-o", tmp_path / "bad", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_quick_preset_shows_trajectories_not_just_initialisations(tmp_path: Path) -> None:
    """Every run's path must be visible in the PC plane: its start-to-end distance a tenth of the plane's extent
    or more, and PC1+PC2 far from "explaining" everything (which distinct starts alone do when runs barely move)."""
    out = tmp_path / "pca"
    assert run_cli("pca", "--quick", "--dataset", "digits", "--device", "cpu", "-o", out, "-q").exit_code == 0
    whole = [r for r in read_rows(out / "coordinates.csv") if r["view"] == "whole"]
    xs, ys = [float(r["pc1"]) for r in whole], [float(r["pc2"]) for r in whole]
    extent = math.hypot(max(xs) - min(xs), max(ys) - min(ys))
    for run in {r["run"] for r in whole}:
        path = sorted((int(r["epoch"]), float(r["pc1"]), float(r["pc2"])) for r in whole if r["run"] == run)
        assert len(path) >= 5
        assert math.hypot(path[-1][1] - path[0][1], path[-1][2] - path[0][2]) > 0.1 * extent
    explained = json.loads((out / "run.json").read_text())["explained_variance_ratio"]["whole"]
    assert sum(explained) < 0.95


def test_distances_in_parameter_space_and_plane_on_crafted_paths() -> None:
    """Two runs in 3-D: the plane (first two coordinates) hides the third axis, where they are apart."""
    import numpy as np

    from hw1cli.experiments.pca.run import distances, kept_share

    full = np.array([[[0, 0, 0], [3, 0, 0], [1, 0, 0]],     # run 0 goes out to 3 then back to 1
                     [[0, 0, 4], [0, 0, 4], [1, 0, 12]]], dtype=float)  # run 1 ends 12 away from run 0, all in z
    plane = full[:, :, :2]
    rows = {(r["kind"], r["run"], r["other"]): r for r in distances(full, plane)}
    assert set(rows) == {("start", 0, 1), ("end", 0, 1), ("travel", 0, None), ("travel", 1, None),
                         ("farthest", 0, None), ("farthest", 1, None)}
    assert rows["start", 0, 1]["distance"] == 4 and rows["start", 0, 1]["plane_distance"] == 0
    assert rows["end", 0, 1]["distance"] == 12 and rows["end", 0, 1]["plane_distance"] == 0
    assert rows["travel", 0, None]["distance"] == 1 and rows["farthest", 0, None]["distance"] == 3
    assert rows["farthest", 0, None]["plane_distance"] == 3  # the plane distance at the farthest snapshot
    assert rows["travel", 1, None]["distance"] == pytest.approx(math.hypot(1, 8))
    assert kept_share(list(rows.values())) == 0.0


def test_pca_writes_distances_csv_matching_its_coordinates(tmp_path: Path) -> None:
    out = tmp_path / "pca"
    assert run_cli("pca", "--quick", "--dataset", "digits", "--device", "cpu", "--epochs", "3", "-o", out, "-q").exit_code == 0
    rows = read_rows(out / "distances.csv")
    assert list(rows[0]) == ["kind", "run", "other", "distance", "plane_distance"]
    kinds = [r["kind"] for r in rows]
    assert kinds.count("start") == kinds.count("end") == 3 and kinds.count("travel") == kinds.count("farthest") == 3
    whole = {(r["run"], int(r["epoch"])): (float(r["pc1"]), float(r["pc2"]))
             for r in read_rows(out / "coordinates.csv") if r["view"] == "whole"}
    for r in rows:
        full, plane = float(r["distance"]), float(r["plane_distance"])
        assert 0 < plane <= full * (1 + 1e-9)  # a projection never lengthens a distance
        if r["kind"] == "end":
            assert plane == pytest.approx(math.dist(whole[r["run"], 3], whole[r["other"], 3]))
        if r["kind"] == "travel":
            assert r["other"] == "" and plane == pytest.approx(math.dist(whole[r["run"], 3], whole[r["run"], 0]))
    travel = {r["run"]: float(r["distance"]) for r in rows if r["kind"] == "travel"}
    # the end is one of the snapshots: farthest >= travel (up to the last bit: the two sums run in other orders)
    assert all(float(r["distance"]) >= travel[r["run"]] * (1 - 1e-12) for r in rows if r["kind"] == "farthest")
    kept = json.loads((out / "run.json").read_text())["plane_kept_share_end_pairs"]
    ends = sorted(float(r["plane_distance"]) / float(r["distance"]) for r in rows if r["kind"] == "end")
    assert kept == pytest.approx(ends[1])  # the median of the 3 final pairs
