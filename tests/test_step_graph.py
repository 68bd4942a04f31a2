"""The CUDA-graph step path (training/step_graph.py) against eager training.

On CPU, step_mode="static" runs the exact function the graph captures, on the same fixed buffers, after the
same warm-up and its undoing; these tests require it to match eager training bit for bit. The last test
captures a real CUDA graph and runs only where CUDA is available.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from hw1cli.models import cnn_model, mlp
from hw1cli.training import OptimizerSpec, fit, loop
from hw1cli.training.step_graph import StaticStep, choose_step_mode


def _classification(n: int = 100, device: str = "cpu") -> tuple[Tensor, Tensor]:
    g = torch.Generator().manual_seed(3)
    x = torch.randn(n, 1, 12, 12, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return x.to(device), y.to(device)


def _regression(n: int = 64) -> tuple[Tensor, Tensor]:
    x = torch.linspace(-1, 1, n).unsqueeze(1)
    return x, torch.sin(3 * x)


def _train(make: callable, x: Tensor, y: Tensor, mode: str, **kwargs: object) -> tuple[nn.Module, list]:
    model = make().to(x.device)
    result = fit(model, x, y, step_mode=mode, seed=5, **kwargs)
    return model, result.history


def _assert_identical(a: tuple[nn.Module, list], b: tuple[nn.Module, list]) -> None:
    (model_a, hist_a), (model_b, hist_b) = a, b
    for (name, p), q in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert torch.equal(p, q), name
    assert [(h.running_loss, h.running_acc) for h in hist_a] == [(h.running_loss, h.running_acc) for h in hist_b]


@pytest.mark.parametrize(
    "spec",
    [
        OptimizerSpec("adam", 1e-2),
        OptimizerSpec("adam", 1e-2, weight_decay=1e-3),
        OptimizerSpec("sgd", 0.05, momentum=0.5),
        OptimizerSpec("sgd", 0.05, momentum=0.9, nesterov=True),
        OptimizerSpec("sgd", 0.05),
    ],
    ids=["adam", "adam-wd", "sgd-momentum", "sgd-nesterov", "sgd-plain"],
)
def test_static_step_equals_eager_with_a_smaller_last_batch(spec: OptimizerSpec) -> None:
    x, y = _classification(100)  # batch 32: three full batches and one of 4 rows per epoch

    def make() -> nn.Module:
        return mlp([144, 16, 10], seed=1, flatten=True)

    args = {"optimizer": spec, "epochs": 3, "batch_size": 32}
    _assert_identical(_train(make, x, y, "static", **args), _train(make, x, y, "eager", **args))


def test_static_full_batch_regression_equals_eager() -> None:
    x, y = _regression()

    def make() -> nn.Module:
        return mlp([1, 8, 8, 1], seed=2)

    args = {"optimizer": OptimizerSpec("adam", 1e-2), "epochs": 25}
    static, eager = _train(make, x, y, "static", **args), _train(make, x, y, "eager", **args)
    _assert_identical(static, eager)
    assert static[1][-1].running_acc is None and static[1][-1].running_loss < static[1][0].running_loss


def test_static_batchnorm_cnn_equals_eager_buffers_included() -> None:
    # The warm-up moves BatchNorm's running statistics too; they must be put back.
    x, y = _classification(48)

    def make() -> nn.Module:
        return cnn_model("shallow", (1, 12, 12), 10, seed=4)

    args = {"optimizer": OptimizerSpec("sgd", 0.01, momentum=0.5), "epochs": 2, "batch_size": 16}
    _assert_identical(_train(make, x, y, "static", **args), _train(make, x, y, "eager", **args))


def test_static_resume_from_an_eager_checkpoint_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    # The warm-up must restore optimizer state that already existed (moments from the checkpoint), not zero it.
    x, y = _classification(100)
    spec = OptimizerSpec("adam", 1e-2)

    def make() -> nn.Module:
        return mlp([144, 16, 10], seed=1, flatten=True)

    ckpt = tmp_path / "fit.pt"
    first = make()
    fit(first, x, y, optimizer=spec, epochs=2, batch_size=32, seed=5, checkpoint=ckpt, checkpoint_every=1, step_mode="eager")
    ckpt_state = torch.load(ckpt, weights_only=False)
    ckpt_state["finished"] = False  # pretend the process stopped after epoch 2 of 4
    torch.save(ckpt_state, ckpt)
    resumed = make()
    history = fit(resumed, x, y, optimizer=spec, epochs=4, batch_size=32, seed=5, checkpoint=ckpt, step_mode="static").history
    _assert_identical((resumed, history), _train(make, x, y, "eager", optimizer=spec, epochs=4, batch_size=32))


def test_auto_picks_graphs_only_where_they_give_eager_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    small = mlp([4, 8, 2])
    assert choose_step_mode("auto", small, cuda, "adam", plain_loss=True) == "graph"
    assert choose_step_mode("auto", small, cuda, "sgd", plain_loss=True) == "graph"
    assert choose_step_mode("auto", small, cpu, "adam", plain_loss=True) == "eager"
    assert choose_step_mode("auto", small, cuda, "rmsprop", plain_loss=True) == "eager"
    assert choose_step_mode("auto", small, cuda, "adam", plain_loss=False) == "eager"  # objective / on_step
    assert choose_step_mode("auto", cnn_model("cnn", (1, 28, 28)), cuda, "sgd", plain_loss=True) == "eager"  # dropout
    monkeypatch.setenv("HW1_CUDA_GRAPHS", "0")
    assert choose_step_mode("auto", small, cuda, "adam", plain_loss=True) == "eager"
    with pytest.raises(ValueError, match="step_mode"):
        choose_step_mode("fast", small, cpu, "adam", plain_loss=True)
    with pytest.raises(ValueError, match="needs CUDA"):  # a capture of CPU work records nothing
        choose_step_mode("graph", small, cpu, "adam", plain_loss=True)


def test_a_failed_capture_falls_back_to_eager_from_the_untouched_start(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fail after the warm-up has moved the weights and created optimizer state: the fallback must undo it.
    def broken_capture(self: object) -> None:
        raise RuntimeError("operation not permitted when stream is capturing")

    def warm_up_without_undoing(self: StaticStep, on_side_stream: bool, start: object) -> None:
        for _ in range(3):
            self.setup.opt.zero_grad(set_to_none=True)
            self._step(self.index)

    monkeypatch.setattr(StaticStep, "_warm_up", warm_up_without_undoing)
    monkeypatch.setattr(StaticStep, "_capture", broken_capture)
    monkeypatch.setattr(loop, "choose_step_mode", lambda mode, *rest: mode)  # "graph" allowed, as on a GPU
    x, y = _classification(100)

    def make() -> nn.Module:
        return mlp([144, 16, 10], seed=1, flatten=True)

    args = {"optimizer": OptimizerSpec("adam", 1e-2), "epochs": 2, "batch_size": 32}
    with pytest.warns(RuntimeWarning, match="CUDA graph capture failed .*stream is capturing"):
        fallen_back = _train(make, x, y, "graph", **args)
    _assert_identical(fallen_back, _train(make, x, y, "eager", **args))


def test_a_forced_static_step_refuses_a_step_callback() -> None:
    x, y = _regression(8)
    with pytest.raises(ValueError, match="on_step"):
        fit(mlp([1, 2, 1]), x, y, optimizer=OptimizerSpec(), epochs=1, on_step=lambda i, loss: None, step_mode="static")


CUDA_CASES = {
    "mlp-adam": (lambda: mlp([144, 64, 64, 10], seed=1, flatten=True), OptimizerSpec("adam", 1e-2), 64),
    "mlp-sgd-nesterov": (lambda: mlp([144, 64, 64, 10], seed=1, flatten=True), OptimizerSpec("sgd", 0.05, momentum=0.9, nesterov=True), 64),
    "mlp-sgd-plain-full-batch": (lambda: mlp([144, 32, 10], seed=1, flatten=True), OptimizerSpec("sgd", 0.05), None),
    "batchnorm-cnn-sgd": (lambda: cnn_model("deep", (1, 12, 12), 10, seed=4), OptimizerSpec("sgd", 0.01, momentum=0.5), 64),
}


@pytest.mark.parametrize("case", list(CUDA_CASES))
def test_the_gpu_cases_on_the_cpu_static_path(case: str) -> None:
    make, spec, batch = CUDA_CASES[case]
    x, y = _classification(300)
    args = {"optimizer": spec, "epochs": 2, "batch_size": batch}
    _assert_identical(_train(make, x, y, "static", **args), _train(make, x, y, "eager", **args))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("case", list(CUDA_CASES))
def test_cuda_graph_equals_eager_on_the_gpu(case: str) -> None:
    make, spec, batch = CUDA_CASES[case]
    x, y = _classification(1000, device="cuda")  # batch 64: 15 replays and an eager batch of 40 per epoch
    args = {"optimizer": spec, "epochs": 3, "batch_size": batch}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager, or an empty graph, fails the test
        graphed = _train(make, x, y, "graph", **args)
    eager = _train(make, x, y, "eager", **args)
    for p, q in zip(graphed[0].state_dict().values(), eager[0].state_dict().values()):
        # The same kernels on the same numbers; cuDNN/cuBLAS may still choose differently between runs.
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
    for a, b in zip(graphed[1], eager[1]):
        assert a.running_loss == pytest.approx(b.running_loss, rel=1e-4) and a.running_acc == pytest.approx(b.running_acc, abs=2e-3)
    assert graphed[1][-1].running_loss < graphed[1][0].running_loss  # it trained (replays were not no-ops)
