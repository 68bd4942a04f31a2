"""Every experiment's evaluator on small crafted CSVs: one case per verdict (supported, not supported, inconclusive)."""

from __future__ import annotations

from pathlib import Path

import pytest
from claims_helpers import (
    gradnorm_csvs,
    judge,
    minratio_csvs,
    mnist_csvs,
    params_csvs,
    pca_csvs,
    randlabel_csvs,
    simulate_rows,
)

from hw1cli.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED


@pytest.mark.parametrize(("deep", "shallow", "verdict"), [
    ([0.05, 0.06, 0.055], [0.16, 0.17, 0.165], SUPPORTED),
    ([0.9, 1.0, 0.95], [0.16, 0.17, 0.165], NOT_SUPPORTED),  # deeper worse, and neither met the stop rule
    ([0.05], [0.16], INCONCLUSIVE),  # one seed
    ([0.05, 0.5, 0.06], [0.16, 0.17, 0.165], INCONCLUSIVE),  # the spread swallows the difference
])
def test_simulate_loss(tmp_path: Path, deep, shallow, verdict) -> None:
    result = judge(tmp_path, "simulate", {"summary.csv": simulate_rows(deep, shallow)})["sign.depth4_vs_depth1"]
    assert result.verdict == verdict
    assert result.seeds == len(deep)


def test_simulate_collapse_rate_is_its_own_claim_and_the_comparison_leaves_collapsed_seeds_out(tmp_path: Path) -> None:
    rows = simulate_rows([0.05, 0.9, 0.055, 0.06], [0.16, 0.17, 0.165, 0.16], deep_collapsed=(1,))
    results = judge(tmp_path / "one", "simulate", {"summary.csv": rows})
    collapse = results["sign.no_collapse"]
    assert collapse.verdict == NOT_SUPPORTED and collapse.seeds == 4
    assert collapse.evidence == "collapsed to a constant: depth 1 0 of 4; depth 4 1 of 4 (seed 1)"
    compared = results["sign.depth4_vs_depth1"]
    assert compared.verdict == SUPPORTED and compared.seeds == 3  # seeds 0, 2, 3: depth 4 wins on each
    assert "compared over the 3 of 4 seeds where both trained: seed 1 left out (depth 4 collapsed)" in compared.evidence
    clean = judge(tmp_path / "none", "simulate", {"summary.csv": simulate_rows([0.05, 0.06], [0.16, 0.17])})
    assert clean["sign.no_collapse"].verdict == SUPPORTED
    every = judge(tmp_path / "all", "simulate", {"summary.csv": simulate_rows([0.9], [0.16], deep_collapsed=(0,))})
    assert every["sign.depth4_vs_depth1"].verdict == INCONCLUSIVE and "no seed where both nets trained" in every["sign.depth4_vs_depth1"].evidence


def test_simulate_fewer_epochs_counts_when_both_converge(tmp_path: Path) -> None:
    rows = simulate_rows([0.0009, 0.0009], [0.00095, 0.00085], deep_epochs=[2400, 3000], shallow_epochs=[9000, 9500])
    result = judge(tmp_path, "simulate", {"summary.csv": rows})["sign.depth4_vs_depth1"]
    assert result.verdict == SUPPORTED and "stop epoch 2700" in result.evidence


def test_simulate_a_seed_that_never_met_the_rule_counts_at_its_epoch_limit(tmp_path: Path) -> None:
    # Deep meets the rule fast at seeds 0 and 1 but never at seed 2 (it collapsed): over all three seeds that is
    # not a clear win. Judged on seeds 0 and 1 alone, it would look supported.
    rows = simulate_rows([0.0009, 0.0009, 0.9], [0.0011, 0.0011, 0.0011], deep_epochs=[2000, 2100, None],
                          shallow_epochs=None, max_epochs=20000)
    result = judge(tmp_path, "simulate", {"summary.csv": rows})["sign.depth4_vs_depth1"]
    assert result.verdict == INCONCLUSIVE and "2 of 3 seeds agree" in result.evidence


@pytest.mark.parametrize(("deep", "shallow", "verdict"), [
    ([0.985, 0.987, 0.986], [0.960, 0.962, 0.958], SUPPORTED),
    ([0.950, 0.952, 0.948], [0.978, 0.980, 0.979], NOT_SUPPORTED),
    ([0.9845], [0.978], INCONCLUSIVE),  # the README's one-seed conclusion: one seed decides nothing
    ([0.980, 0.981, 0.979], [0.977, 0.978, 0.976], INCONCLUSIVE),  # 0.003 apart: within 2000-image binomial noise
])
def test_mnist(tmp_path: Path, deep, shallow, verdict) -> None:
    result = judge(tmp_path, "mnist", mnist_csvs(deep, shallow))["deep_beats_shallow"]
    assert result.verdict == verdict and result.seeds == len(deep)


def test_mnist_without_both_models_is_inconclusive(tmp_path: Path) -> None:
    result = judge(tmp_path, "mnist", {"summary.csv": [{"model": "lenet", "test_acc": 0.97}]})["deep_beats_shallow"]
    assert result.verdict == INCONCLUSIVE and "lenet" in result.evidence


@pytest.mark.parametrize(("train_acc", "curve", "verdict"), [
    (0.997, [0.5, 0.997], SUPPORTED),
    (0.60, [0.3] + [0.60] * 9, NOT_SUPPORTED),  # levelled off
    (0.95, [0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95], INCONCLUSIVE),  # still rising
])
def test_randlabel_memorises(tmp_path: Path, train_acc, curve, verdict) -> None:
    assert judge(tmp_path, "randlabel", randlabel_csvs(train_acc, 0.1, curve))["memorises"].verdict == verdict


@pytest.mark.parametrize(("test_acc", "verdict"), [(0.09, SUPPORTED), (0.2, NOT_SUPPORTED)])
def test_randlabel_chance(tmp_path: Path, test_acc, verdict) -> None:
    # 3 binomial SE of 0.1 on 2000 images = 0.020: 0.09 is at chance, 0.2 is not
    assert judge(tmp_path, "randlabel", randlabel_csvs(0.99, test_acc, [0.99]))["test_at_chance"].verdict == verdict


def test_randlabel_chance_needs_the_test_set_size_and_full_noise(tmp_path: Path) -> None:
    csvs = randlabel_csvs(0.99, 0.1, [0.99])
    del csvs["summary.csv"][0]["test_images"]
    assert judge(tmp_path / "a", "randlabel", csvs)["test_at_chance"].verdict == INCONCLUSIVE
    partial = judge(tmp_path / "b", "randlabel", randlabel_csvs(0.99, 0.6, [0.99], noise=0.5))
    assert set(partial) == {"memorises"}  # with half the labels true, test accuracy is meant to beat chance


@pytest.mark.parametrize(("train", "gap", "verdicts"), [
    ([2.0, 1.4, 1.0, 0.6, 0.3, 0.1], [0.0, 0.02, 0.05, 0.08, 0.12, 0.2], (SUPPORTED, SUPPORTED)),
    ([0.1, 0.3, 0.6, 1.0, 1.4, 2.0], [0.2, 0.12, 0.08, 0.05, 0.02, 0.0], (NOT_SUPPORTED, NOT_SUPPORTED)),
    ([2.0, 1.0, 2.1, 0.9, 2.0, 1.1], [0.1, 0.0, 0.1, 0.0, 0.1, 0.0], (INCONCLUSIVE, INCONCLUSIVE)),
])
def test_params(tmp_path: Path, train, gap, verdicts) -> None:
    results = judge(tmp_path, "params", params_csvs(train, gap, seeds=2))
    assert (results["train_loss_falls"].verdict, results["gap_grows"].verdict) == verdicts
    assert results["gap_grows"].seeds == 2 and "n = 6" in results["gap_grows"].evidence


def _sensitivity(values):
    return {"summary.csv": [{"batch_size": b, "sensitivity": v, "sharpness_percent": v * 10}
                            for b, v in zip((16, 64, 256, 1024, 4096), values)]}


@pytest.mark.parametrize(("values", "verdict"), [
    ([0.05, 0.054, 0.06, 0.08, 0.09], SUPPORTED),
    ([0.09, 0.08, 0.06, 0.054, 0.05], NOT_SUPPORTED),
    ([0.05, 0.09, 0.05, 0.09, 0.06], INCONCLUSIVE),
])
def test_sensitivity(tmp_path: Path, values, verdict) -> None:
    results = judge(tmp_path, "sensitivity", _sensitivity(values))
    assert results["sensitivity_grows"].verdict == verdict and results["sharpness_grows"].verdict == verdict


def test_sensitivity_two_batch_sizes_decide_nothing(tmp_path: Path) -> None:
    result = judge(tmp_path, "sensitivity", _sensitivity([0.05, 0.09]))["sensitivity_grows"]
    assert result.verdict == INCONCLUSIVE and "n = 2" in result.evidence


def _line(losses, fitted=1.0):
    alphas = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)
    return {"summary.csv": [{"alpha": a, "train_loss": v, "train_acc": fitted if a in (0, 1) else 0.5}
                            for a, v in zip(alphas, losses)]}


@pytest.mark.parametrize(("losses", "fitted", "verdict", "says"), [
    ([0.5, 0.1, 0.01, 0.02, 0.04, 1.0, 17.0], 1.0, SUPPORTED, "no barrier"),  # walls beyond both ends
    ([0.005, 0.008, 0.01, 0.3, 0.04, 0.03, 0.02], 1.0, SUPPORTED, "barrier: the loss peaks at α = 0.5"),
    ([0.001, 0.004, 0.01, 0.02, 0.04, 1.0, 17.0], 1.0, NOT_SUPPORTED, "no barrier"),  # falls beyond A
    ([0.001, 0.004, 0.01, 0.02, 0.04, 1.0, 17.0], 0.9, INCONCLUSIVE, "not a minimum yet"),  # A not trained yet
])
def test_interpolate(tmp_path: Path, losses, fitted, verdict, says) -> None:
    result = judge(tmp_path, "interpolate", _line(losses, fitted))["loss_rises"]
    assert result.verdict == verdict and says in result.evidence


def test_interpolate_with_a_diverged_endpoint(tmp_path: Path) -> None:
    models = [{"model": "A", "status": "completed"}, {"model": "B", "status": "diverged"}]
    result = judge(tmp_path, "interpolate", {"models.csv": models})["loss_rises"]
    assert result.verdict == INCONCLUSIVE and "model B diverged" in result.evidence


@pytest.mark.parametrize(("pairs", "reached", "verdict"), [
    ([(0.001 * k, 0.6 - 0.01 * k) for k in range(1, 9)], True, SUPPORTED),
    ([(0.001 * k, 0.5 + 0.01 * k) for k in range(1, 9)], True, NOT_SUPPORTED),
    ([(0.001 * k, 0.6 - 0.01 * k) for k in range(1, 9)], False, INCONCLUSIVE),  # no run reached the tolerance
])
def test_minratio(tmp_path: Path, pairs, reached, verdict) -> None:
    result = judge(tmp_path, "minratio", minratio_csvs(pairs, reached))["lower_loss_higher_ratio"]
    assert result.verdict == verdict and result.seeds == (8 if reached else 0)


def test_pca_supported(tmp_path: Path) -> None:
    results = judge(tmp_path, "pca", pca_csvs([0.1, 0.1, 0.1], [0.9, 0.91, 0.92], [(0.1, 0.1), (1.1, 0.1), (2.1, 0.1)]))
    assert results["accuracy_rises"].verdict == SUPPORTED and results["runs_stay_apart"].verdict == SUPPORTED


def test_pca_not_supported(tmp_path: Path) -> None:
    # accuracy falls in every run, and all runs end at one point (each moved farther than the others are apart)
    results = judge(tmp_path, "pca", pca_csvs([0.9, 0.91, 0.92], [0.1, 0.1, 0.1], [(5, 5), (5, 5.01), (5, 5.02)]))
    assert results["accuracy_rises"].verdict == NOT_SUPPORTED and results["runs_stay_apart"].verdict == NOT_SUPPORTED


def test_pca_inconclusive(tmp_path: Path) -> None:
    results = judge(tmp_path, "pca", pca_csvs([0.1], [0.9], [(0.1, 0.1)]))  # one run: nothing to compare
    assert results["accuracy_rises"].verdict == INCONCLUSIVE and results["runs_stay_apart"].verdict == INCONCLUSIVE


def test_gradnorm_supported(tmp_path: Path) -> None:
    norms = [1.0] * 10 + [0.01] * 5 + [0.5] * 5  # a plateau with a vanishing gradient, then a spike
    results = judge(tmp_path, "gradnorm", gradnorm_csvs([1.0 - 0.04 * i for i in range(20)], norms))
    assert results["loss_falls"].verdict == SUPPORTED and results["norm_rebounds"].verdict == SUPPORTED
    assert "rises to 50× its lowest value so far" in results["norm_rebounds"].evidence


def test_gradnorm_not_supported(tmp_path: Path) -> None:
    results = judge(tmp_path, "gradnorm", gradnorm_csvs([0.1 + 0.04 * i for i in range(20)], [1.0 / (i + 1) for i in range(20)]))
    assert results["loss_falls"].verdict == NOT_SUPPORTED and results["norm_rebounds"].verdict == NOT_SUPPORTED


def test_gradnorm_inconclusive(tmp_path: Path) -> None:
    noisy = [1.0, 1.2, 0.8, 1.1, 0.9] * 4  # minibatch noise, no trend: the windows agree within 2 SE
    assert judge(tmp_path / "a", "gradnorm", gradnorm_csvs(noisy, [1.0] * 20))["loss_falls"].verdict == INCONCLUSIVE
    short = judge(tmp_path / "b", "gradnorm", gradnorm_csvs([1.0] * 5, [1.0] * 5))
    assert {r.verdict for r in short.values()} == {INCONCLUSIVE}


@pytest.mark.parametrize(("config", "said"), [
    ({"budget": "loss", "target_loss": 0.01, "max_steps": 10000}, "the same training loss <= 0.01 (0 of 3 reached it"),
    ({"budget": "steps", "max_steps": 500}, "equal steps: 500 each"),
    ({"budget": "epochs"}, "equal epochs: larger batches took fewer steps"),
])
def test_sensitivity_evidence_names_the_comparison_that_ran(tmp_path: Path, config, said) -> None:
    result = judge(tmp_path, "sensitivity", _sensitivity([0.05, 0.07, 0.09]), **config)["sharpness_grows"]
    assert said in result.evidence
