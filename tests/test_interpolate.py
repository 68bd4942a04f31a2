"""`hw1 interpolate`: the α grid, the endpoints against the trained models, bad values, a quick run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_rows, run_cli

from hw1cli.experiments.interpolate.config import alpha_grid

# The tiny fake MNIST has 200/100 images; --quick alone would ask for a 1000-image subset.
TINY = ("--no-download", "--subset", "200", "--test-subset", "100", "--quick", "--quiet")
B_BATCH = ("--batch-size-b", "100")  # the quick preset's 500 exceeds the 200 tiny images


@pytest.mark.parametrize(("low", "high", "step", "points"), [(-1, 2, 0.1, 31), (-1, 2, 0.05, 61), (0, 1, 1 / 3, 4), (-0.5, 1.5, 0.25, 9)])
def test_grid_holds_zero_and_one_exactly(low: float, high: float, step: float, points: int) -> None:
    grid = alpha_grid(low, high, step)
    assert len(grid) == points and grid == sorted(grid)
    assert grid[0] == pytest.approx(low) and grid[-1] == pytest.approx(high)
    assert 0.0 in grid and 1.0 in grid  # exact float equality, not approx


@pytest.mark.parametrize(
    "args",
    [
        ("--alpha-step", "0.3"),
        ("--alpha-step", "0"),
        ("--alpha-min", "0.5"),
        ("--alpha-max", "0.9"),
        ("--vary", "momentum"),
        ("--model", "resnet"),
        ("--batch-size-b", "0"),
        ("--lr-b", "-1"),
        ("--hidden", "0"),
        ("--length", "minutes"),
        ("--from-init", "--lr-b", "0.1"),  # B's options mean nothing on the init -> A line
    ],
)
def test_bad_values_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli("interpolate", *args, "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert not (tmp_path / "out").exists()


def check_endpoints(out: Path) -> list[dict[str, str]]:
    """The α=0 and α=1 rows must reproduce the direct evaluation of models A and B (models.csv)."""
    rows, models = read_rows(out / "summary.csv"), {m["model"]: m for m in read_rows(out / "models.csv")}
    for point, alpha in (("A", 0.0), ("B", 1.0)):
        (row,) = [r for r in rows if float(r["alpha"]) == alpha]
        assert row["point"] == point
        for column in ("train_loss", "train_acc", "test_loss", "test_acc"):
            assert float(row[column]) == pytest.approx(float(models[point][column]), abs=1e-6)
    return rows


def test_quick_run_batch_size(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "interp"
    result = run_cli("interpolate", "--length", "steps", "--data-dir", tiny_mnist, *TINY, *B_BATCH, "-o", out)
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "models.csv", "metrics.csv", "run.json", "loss.png", "accuracy.png"):
        assert (out / name).stat().st_size > 0, name
    rows = check_endpoints(out)
    assert [float(r["alpha"]) for r in rows] == alpha_grid(-1, 2, 0.25)
    models = read_rows(out / "models.csv")
    assert [(m["batch_size"], m["lr"], m["init_seed"]) for m in models] == [("64", "0.001", "0"), ("100", "0.001", "0")]
    # Equal steps: A takes 2 epochs of ceil(200/64) = 4 steps; B needs 4 epochs of 2 steps for 8.
    assert [(m["epochs"], m["steps"]) for m in models] == [("2", "8"), ("4", "8")]
    record = json.loads((out / "run.json").read_text())
    assert record["length"] == "steps" and record["steps"] == {"A": 8, "B": 8}
    metrics = read_rows(out / "metrics.csv")  # B is logged about as often as A: every 2nd of its epochs
    assert sorted({(r["model"], r["epoch"]) for r in metrics}) == [("A", "1"), ("A", "2"), ("B", "2"), ("B", "4")]
    # evaluated only after each model's last epoch (--eval-every 0), with the numbers models.csv reports
    assert [(r["model"], r["epoch"]) for r in metrics if r["test_loss"]] == [("A", "2"), ("B", "4")]
    for row in (r for r in metrics if r["test_loss"]):
        assert row["test_loss"] == next(m for m in models if m["model"] == row["model"])["test_loss"]
    check_line_minima(rows, {0.0: -0.25, 1.0: 1.25})


def test_eval_every_evaluates_b_as_often_as_a(tiny_mnist: Path, tmp_path: Path) -> None:
    """With --eval-every 1, A is evaluated after each epoch and B (twice A's epochs) after every 2nd."""
    out = tmp_path / "interp"
    result = run_cli("interpolate", "--length", "steps", "--data-dir", tiny_mnist, *TINY, *B_BATCH, "--eval-every", "1",
                     "-o", out)
    assert result.exit_code == 0, result.output
    metrics = read_rows(out / "metrics.csv")
    assert [(r["model"], r["epoch"]) for r in metrics if r["test_loss"]] == [("A", "1"), ("A", "2"), ("B", "2"), ("B", "4")]


def check_line_minima(rows: list[dict[str, str]], outside: dict[float, float]) -> None:
    """Trained endpoints carry the loss one grid step beyond them and whether they are minima along the line."""
    by_alpha = {float(r["alpha"]): r for r in rows}
    for alpha, r in by_alpha.items():
        if alpha not in outside:
            assert r["outside_alpha"] == r["outside_train_loss"] == r["line_minimum"] == ""
            continue
        beyond = outside[alpha]
        assert float(r["outside_alpha"]) == beyond
        if beyond in by_alpha:  # on the grid: the same evaluation
            assert float(r["outside_train_loss"]) == pytest.approx(float(by_alpha[beyond]["train_loss"]), rel=1e-9)
        assert r["line_minimum"] == str(int(float(r["outside_train_loss"]) >= float(r["train_loss"])))


def test_length_epochs_trains_both_models_for_the_same_epochs(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "interp-epochs"
    result = run_cli("interpolate", "--length", "epochs", "--data-dir", tiny_mnist, *TINY, *B_BATCH, "-o", out)
    assert result.exit_code == 0, result.output
    assert [(m["epochs"], m["steps"]) for m in read_rows(out / "models.csv")] == [("2", "8"), ("2", "4")]
    assert json.loads((out / "run.json").read_text())["length"] == "epochs"


def test_from_init_walks_from_the_initialisation_to_trained_a(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "interp-init"
    result = run_cli("interpolate", "--from-init", "--data-dir", tiny_mnist, *TINY, "-o", out)
    assert result.exit_code == 0, result.output
    (model,) = read_rows(out / "models.csv")  # no model B
    rows = read_rows(out / "summary.csv")
    ends = {float(r["alpha"]): r for r in rows if r["point"]}
    assert (ends[0.0]["point"], ends[1.0]["point"]) == ("init", "A")
    for column in ("train_loss", "train_acc", "test_acc"):  # α=1 is trained A itself
        assert float(ends[1.0][column]) == pytest.approx(float(model[column]), abs=1e-6)
    assert float(ends[0.0]["train_loss"]) > 2 * float(ends[1.0]["train_loss"])  # the untrained start is far worse
    check_line_minima(rows, {1.0: 1.25})  # the initialisation is no minimum to check
    claims = {r["claim"]: r for r in read_rows(out / "claims.csv")}
    assert set(claims) == {"falls_from_init", "endpoints_are_minima"}


def test_quick_run_lr_with_independent_init(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "interp-lr"
    result = run_cli("interpolate", "--vary", "lr", "--independent-init", "--data-dir", tiny_mnist, *TINY, "-o", out)
    assert result.exit_code == 0, result.output
    check_endpoints(out)
    models = read_rows(out / "models.csv")
    assert [(m["batch_size"], m["lr"], m["init_seed"]) for m in models] == [("64", "0.001", "0"), ("64", "0.01", "1")]


def test_quick_run_lenet(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "interp-lenet"
    result = run_cli("interpolate", "--model", "lenet", "--epochs", "1", "--data-dir", tiny_mnist, *TINY, *B_BATCH, "-o", out)
    assert result.exit_code == 0, result.output
    check_endpoints(out)
    assert read_rows(out / "models.csv")[0]["params"] == "61706"


def test_endpoint_labels_do_not_cover_the_endpoint_markers() -> None:
    """With accuracy near 1 (trained models), the "A: lr 0.001" labels once sat on the α=0/1 markers."""
    from hw1cli.experiments.interpolate.plots import accuracy_along_line

    rows = [{"alpha": a, "train_acc": 0.99, "test_acc": 0.97, "train_loss": 0.05, "test_loss": 0.1} for a in alpha_grid(-1, 2, 0.25)]
    fig = accuracy_along_line(rows, {0.0: "A: lr 0.001", 1.0: "B: lr 0.01"}, "t")
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text().startswith(("A: ", "B: "))]
    assert [t.get_text() for t in labels] == ["A: lr 0.001", "B: lr 0.01"]
    frame = ax.get_window_extent(renderer)
    for text in labels:
        box = text.get_window_extent(renderer)
        assert box.y0 >= frame.y1  # above the data area: no curve or marker can reach it
        for line in ax.lines:  # and no drawn point (markers included) lies inside the label
            points = ax.transData.transform(line.get_xydata())
            assert not any(box.contains(x, y) for x, y in points), line
    import matplotlib.pyplot as plt

    plt.close(fig)


def _crafted_line(losses: list[float], points: tuple[str, str] = ("A", "B"), outside: dict[float, float] | None = None):
    """summary.csv over α = -0.5..1.5 step 0.5; `outside` gives a trained endpoint's loss one step beyond it."""
    rows = []
    for a, v in zip((-0.5, 0.0, 0.5, 1.0, 1.5), losses):
        row = {"alpha": a, "point": {0.0: points[0], 1.0: points[1]}.get(a, ""), "train_loss": v, "train_acc": 1.0}
        if outside and a in outside:
            row.update(outside_alpha=-0.1 if a == 0 else 1.1, outside_train_loss=outside[a],
                       line_minimum=int(outside[a] >= v))
        rows.append(row)
    return {"summary.csv": rows}


@pytest.mark.parametrize(("losses", "outside", "rises", "minima"), [
    ([0.5, 0.01, 0.02, 0.04, 1.0], {0.0: 0.02, 1.0: 0.05}, "supported", "supported"),
    # #26's case: a wall far beyond A, but the loss first falls past it: A is no minimum, the wall proves nothing.
    ([0.5, 0.01, 0.02, 0.04, 1.0], {0.0: 0.005, 1.0: 0.05}, "inconclusive", "not supported"),
    # A barrier between the endpoints stands whatever lies beyond them.
    ([0.5, 0.01, 0.9, 0.04, 1.0], {0.0: 0.005, 1.0: 0.05}, "supported", "not supported"),
])
def test_claims_use_the_line_minimum_flags(tmp_path: Path, losses, outside, rises, minima) -> None:
    from claims_helpers import judge

    results = judge(tmp_path, "interpolate", _crafted_line(losses, outside=outside))
    assert (results["loss_rises"].verdict, results["endpoints_are_minima"].verdict) == (rises, minima)
    if rises == "inconclusive":
        assert "A not a minimum along the line" in results["loss_rises"].evidence
    assert "falls_from_init" not in results


@pytest.mark.parametrize(("losses", "verdict"), [([3.0, 2.3, 1.0, 0.1, 0.2], "supported"),
                                                 ([3.0, 2.3, 2.5, 0.1, 0.2], "not supported")])
def test_from_init_claim_reads_every_step_from_init_to_a(tmp_path: Path, losses, verdict) -> None:
    from claims_helpers import judge

    results = judge(tmp_path, "interpolate", _crafted_line(losses, ("init", "A"), {1.0: 0.2}))
    assert set(results) == {"falls_from_init", "endpoints_are_minima"}
    assert (results["falls_from_init"].verdict, results["endpoints_are_minima"].verdict) == (verdict, "supported")


@pytest.mark.parametrize(("fit", "verdict"), [(0.92, "inconclusive"), (0.99, "not supported")])
def test_an_endpoint_that_still_misfits_its_training_set_is_no_refutation(tmp_path: Path, fit: float, verdict: str) -> None:
    from claims_helpers import judge

    files = _crafted_line([0.5, 0.01, 0.02, 0.04, 1.0], outside={0.0: 0.005, 1.0: 0.05})
    for row in files["summary.csv"]:
        if row["alpha"] == 0.0:
            row["train_acc"] = fit  # A is still training (the quick preset's 2 epochs): falling past it is expected
    result = judge(tmp_path, "interpolate", files)["endpoints_are_minima"]
    assert result.verdict == verdict
    assert ("still training" in result.evidence) == (verdict == "inconclusive")
