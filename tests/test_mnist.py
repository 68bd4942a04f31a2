"""`hw1 mnist` and the CNNs: parameter counts, input shapes, bad options, end-to-end runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from conftest import read_rows, run_cli

from hw1cli.errors import UsageError
from hw1cli.experiments.mnist.plots import comparison
from hw1cli.experiments.mnist.run import METRIC_COLUMNS
from hw1cli.models import MODELS, cnn_model, count_params

FILES = {"metrics.csv", "summary.csv", "run.json", "loss.png", "accuracy.png"}


def test_lenet_and_the_notebook_cnn_have_their_published_sizes() -> None:
    assert count_params(cnn_model("lenet", (1, 28, 28), 10)) == 61_706
    assert count_params(cnn_model("cnn", (1, 28, 28), 10)) == 342_698


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_shallow_medium_deep_are_within_5_percent_and_every_model_adapts(shape: tuple[int, int, int]) -> None:
    sizes = {name: count_params(cnn_model(name, shape, 10)) for name in ("shallow", "medium", "deep")}
    assert max(sizes.values()) <= 1.05 * min(sizes.values()), sizes
    for name in MODELS:
        model = cnn_model(name, shape, 10).eval()
        assert model(torch.zeros(3, *shape)).shape == (3, 10)


def test_same_seed_same_weights() -> None:
    first, again, other = (cnn_model("deep", (1, 28, 28), 10, seed=s) for s in (0, 0, 1))
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), again.parameters()))
    assert not torch.equal(next(first.parameters()), next(other.parameters()))


def test_bad_model_requests_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown model"):
        cnn_model("resnet", (1, 28, 28), 10)
    with pytest.raises(UsageError, match="too small"):
        cnn_model("cnn", (1, 8, 8), 10)
    with pytest.raises(UsageError, match="channels, height, width"):
        cnn_model("lenet", (784,), 10)


@pytest.mark.parametrize(
    ("args", "mention"),
    [
        (["--model", "resnet"], "--model"),
        (["--model", "deep", "--model", "deep"], "twice"),
        (["--lr", "0"], "--lr"),
        (["--momentum", "-1"], "--momentum"),
        (["--optimizer", "lbfgs"], "--optimizer"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path: Path, args: list[str], mention: str) -> None:
    result = run_cli("mnist", "--dataset", "digits", *args, "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and mention in lines[0], result.output
    assert not (tmp_path / "out").exists()


def test_digits_end_to_end_offline(tmp_path: Path) -> None:
    out = tmp_path / "digits"
    result = run_cli("mnist", "--dataset", "digits", "--model", "shallow", "--model", "lenet", "--epochs", "3", "--quiet", "-o", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= FILES
    assert not (out / "checkpoints").exists()  # a finished run leaves no checkpoints behind
    rows = read_rows(out / "metrics.csv")
    assert list(rows[0]) == list(METRIC_COLUMNS)
    assert [(r["model"], int(r["epoch"])) for r in rows] == [(m, e) for m in ("shallow", "lenet") for e in (1, 2, 3)]
    summary = {r["model"]: r for r in read_rows(out / "summary.csv")}
    assert int(summary["lenet"]["params"]) == 61_706 and summary["lenet"]["status"] == "completed"
    assert float(summary["shallow"]["test_acc"]) > 0.8  # 1,437 upsampled 8x8 digits are an easy task
    assert float(summary["shallow"]["test_acc"]) == float(rows[2]["test_acc"])
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "completed" and record["config"]["model"] == ["shallow", "lenet"]


def test_tiny_idx_files_through_the_cli_with_adam(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "tiny"
    result = run_cli(
        "mnist", "--data-dir", tiny_mnist, "--no-download", "--model", "deep", "--epochs", "2",
        "--optimizer", "adam", "--lr", "0.003", "-o", out,
    )
    assert result.exit_code == 0, result.output
    assert "deep: 32,506 parameters" in result.output  # the real count is printed
    (summary,) = read_rows(out / "summary.csv")
    assert float(summary["test_acc"]) > 0.5  # the row bands are easy to learn


def test_quick_on_real_mnist_beats_90_percent(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "quick"
    result = run_cli("mnist", "--quick", "--data-dir", shared_data, "--no-download", "--quiet", "-o", out)
    assert result.exit_code == 0, result.output
    summary = read_rows(out / "summary.csv")
    assert {r["model"] for r in summary} == {"shallow", "deep"}
    for row in summary:
        assert float(row["test_acc"]) > 0.9, row


def test_seeds_train_every_model_at_each_seed_and_the_claim_uses_them_all(tmp_path: Path) -> None:
    out = tmp_path / "seeds"
    result = run_cli("mnist", "--dataset", "digits", "--model", "shallow", "--model", "deep", "--seeds", "2", "--seed", "5",
                     "--epochs", "1", "--subset", "300", "--test-subset", "200", "--quiet", "-o", out)
    assert result.exit_code == 0, result.output
    summary = read_rows(out / "summary.csv")
    assert [(r["model"], r["seed"], r["test_images"]) for r in summary] == [
        ("shallow", "5", "200"), ("shallow", "6", "200"), ("deep", "5", "200"), ("deep", "6", "200")]
    assert summary[0]["test_acc"] != summary[1]["test_acc"]  # another seed: another initialisation and order
    assert {(r["model"], r["seed"]) for r in read_rows(out / "metrics.csv")} == {(r["model"], r["seed"]) for r in summary}
    (claim,) = read_rows(out / "claims.csv")
    assert claim["claim"] == "deep_beats_shallow" and claim["seeds"] == "2"
    # Per-image correctness after the last epoch: every test image once per model and seed, averaging to test_acc.
    correct = read_rows(out / "test_correct.csv")
    assert list(correct[0]) == ["model", "seed", "image", "correct"] and len(correct) == 2 * 2 * 200
    for r in summary:
        mine = [c for c in correct if (c["model"], c["seed"]) == (r["model"], r["seed"])]
        assert [int(c["image"]) for c in mine] == list(range(200)) and {c["correct"] for c in mine} <= {"0", "1"}
        assert sum(int(c["correct"]) for c in mine) / 200 == pytest.approx(float(r["test_acc"]), abs=1e-12)


def test_titles_claim_equal_size_only_when_the_models_are() -> None:
    assert comparison({"lenet": 61706, "cnn": 342698}) == "2 models of different size (61,706–342,698 params)"
    assert comparison({"shallow": 32258, "medium": 32102, "deep": 32506}).startswith("3 models of equal size")
    assert comparison({"lenet": 61706}) == "lenet (61,706 params)"


@pytest.mark.parametrize("name", ["shallow", "deep"])
def test_the_in_place_relu_trains_to_the_same_weights_bit_for_bit(name: str) -> None:
    """Conv-BatchNorm-ReLU blocks overwrite BatchNorm's output: the same steps as plain ReLUs, weight for weight."""
    model = cnn_model(name, (1, 28, 28), 10, seed=0)
    relus = [m for m in model.modules() if isinstance(m, torch.nn.ReLU)]
    assert any(m.inplace for m in relus)  # the conv blocks' (the head's ReLUs after Linear stay plain)
    plain = copy.deepcopy(model)
    for module in plain.modules():
        if isinstance(module, torch.nn.ReLU):
            module.inplace = False
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(96, 1, 28, 28, generator=g), torch.randint(0, 10, (96,), generator=g)
    for net in (model, plain):
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.5)
        for start in range(0, 96, 32):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[start : start + 32]), y[start : start + 32]).backward()
            opt.step()
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), plain.state_dict().values()))
    with torch.inference_mode():
        assert torch.equal(model.eval()(x), plain.eval()(x))
