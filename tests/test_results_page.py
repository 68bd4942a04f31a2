"""benchmarks/results_page.py writes docs/results.md from one suite folder (#26.10): every number from the folder's
files, each seed's value shown, the machine beside them, figures copied, and a run folder's strings as text."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from test_report import fake_run

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("results_page", ROOT / "benchmarks" / "results_page.py")
results_page = importlib.util.module_from_spec(spec)
spec.loader.exec_module(results_page)

MACHINE = {"cpu": "Test CPU 9000", "cpu_count": 2, "device": "cpu", "threads": 2, "started_at": "2026-12-02T22:04:49+00:00",
           "versions": {"torch": "2.14.1", "python": "3.11.7", "platform": "Linux"},
           "git": {"project": {"commit": "abcdef1234567", "dirty": False}},
           "argv": ["/x/hw1", "all", "--data-dir", "/home/u/shared/data", "-o", "/tmp/out", "--args", "mnist: --seeds 3"]}


def test_the_page_shows_every_seed_the_machine_and_the_claims(tmp_path: Path) -> None:
    rows = [{"model": model, "seed": seed, "params": 32258 if model == "shallow" else 32506,
             "test_acc": acc, "test_loss": 0.05, "train_loss": 0.01, "train_acc": 0.99}
            for model, accs in (("shallow", (0.978, 0.979, 0.977)), ("deep", (0.985, 0.986, 0.984))) for seed, acc in enumerate(accs)]
    fake_run(tmp_path / "out", "mnist", rows, pngs=("accuracy.png", "accuracy.phone.png"), duration_seconds=312.4,
             config={"seeds": 3, "model": ["shallow", "deep"]}, **MACHINE)
    fake_run(tmp_path / "out", "gradnorm", [{"final_loss": "<script>alert(1)</script>", "final_grad_norm": 0.25}],
             **MACHINE)
    output = tmp_path / "docs" / "results.md"
    assert results_page.main([str(tmp_path / "out"), "--wall", "21 min 5 s", "--output", str(output)]) == 0
    page = output.read_text()
    assert "    hw1 all --data-dir data -o out --args \"mnist: --seeds 3\"" in page  # the command, user paths hidden
    assert "- Wall time: 21 min 5 s." in page
    assert "Test CPU 9000, 2 cores" in page and "2 torch thread(s) each; torch 2.14.1" in page and "commit abcdef1" in page
    assert "| shallow | 0.978 / 0.979 / 0.977 | 0.05 | 0.01 | 32,258 | 0.99 |" in page  # each seed, in seed order
    assert "| deep | 0.985 / 0.986 / 0.984 |" in page
    assert "Took 312 s (completed)." in page
    assert "| ? | mnist | " in page or "| ✔ | mnist | " in page  # mnist's claim, judged from the files
    assert "<script>" not in page and "&lt;script&gt;" in page  # a run folder's string is text
    gallery = output.parent / "gallery"
    assert sorted(p.name for p in gallery.iterdir()) == ["mnist_accuracy.png"]  # the phone copy is the report's
    assert "![mnist accuracy.png](gallery/mnist_accuracy.png)" in page


def test_the_readme_block_is_replaced_between_its_markers(tmp_path: Path) -> None:
    fake_run(tmp_path / "out", "gradnorm", [{"final_loss": 0.5, "final_grad_norm": 0.25}], **MACHINE)
    readme = tmp_path / "README.md"
    readme.write_text(f"# top\n\n{results_page.README_BEGIN}\nold numbers\n{results_page.README_END}\n\n## after\n")
    assert results_page.main([str(tmp_path / "out"), "--output", str(tmp_path / "r.md"), "--readme", str(readme),
                              "--wall", "9 min"]) == 0
    text = readme.read_text()
    assert text.startswith("# top\n\n") and text.endswith("\n\n## after\n") and "old numbers" not in text
    assert ": 9 min on CPU: Test CPU 9000" in text and "| | experiment | claim | seeds |" in text
    assert "| gradnorm |" in text  # gradnorm's claims, judged from the folder


def test_a_run_from_a_suites_worker_shows_the_suites_command_and_its_workers() -> None:
    record = {**MACHINE, "argv": ["hw1", "mnist", "-o", "/tmp/out/mnist", "--seeds", "3"], "threads": 1,
              "suite": {"argv": ["/x/hw1", "all", "--data-dir", "/home/u/shared/data", "-o", "/tmp/out"], "workers": 2}}
    assert results_page.suite_command(record) == "hw1 all --data-dir data -o out"
    assert "device cpu; 2 experiments at once, 1 torch thread(s) each;" in results_page.machine([record])


def test_a_suite_run_through_bench_suite_reads_as_the_hw1_all_command() -> None:
    record = {"argv": ["benchmarks/bench_suite.py", "--data-dir", "../shared/data", "-o", "/work/x/out", "--args", "mnist: --seeds 3"]}
    assert results_page.suite_command(record) == 'hw1 all --data-dir data -o out --args "mnist: --seeds 3"'
