"""`hw1 interpolate`: the α grid, the endpoints against the trained models, bad values, a quick run."""

from __future__ import annotations

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
    result = run_cli("interpolate", "--data-dir", tiny_mnist, *TINY, *B_BATCH, "-o", out)
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "models.csv", "metrics.csv", "run.json", "loss.png", "accuracy.png"):
        assert (out / name).stat().st_size > 0, name
    rows = check_endpoints(out)
    assert [float(r["alpha"]) for r in rows] == alpha_grid(-1, 2, 0.25)
    models = read_rows(out / "models.csv")
    assert [(m["batch_size"], m["lr"], m["init_seed"]) for m in models] == [("64", "0.001", "0"), ("100", "0.001", "0")]
    metrics = read_rows(out / "metrics.csv")
    assert sorted({(r["model"], r["epoch"]) for r in metrics}) == [("A", "1"), ("A", "2"), ("B", "1"), ("B", "2")]


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
    fig = accuracy_along_line(rows, {"A": "lr 0.001", "B": "lr 0.01"}, "t")
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
