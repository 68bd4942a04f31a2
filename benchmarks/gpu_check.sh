#!/usr/bin/env bash
# One short, prepared device check for a session lent a GPU (budget: well under 10 minutes on one H100).
#
#   cp -r ../shared/data .gpudata && echo .gpudata >> .git/info/exclude     # on this machine, once
#   bash benchmarks/gpu_check.sh .gpudata                                     # on the GPU machine (carry .gpudata)
#
# 1. the CUDA-graph step equals eager training (tests/test_step_graph.py; or the benchmark's max |dp|);
# 2. eager vs CUDA-graph step time for sensitivity's MLP;  3. one LeNet epoch on 60k images vs the classic
# DataLoader loop;  4. the whole seed-scale suite, experiment by experiment (goal: <= 3 minutes).
set -u
DATA=${1:-.gpudata}
export PYTHONPATH=.
if python3 -c "import pytest" 2>/dev/null; then
  python3 -m pytest -q tests/test_step_graph.py
else
  echo "(pytest is not installed here: the equality check is the benchmark's max |dp| column)"
fi
python3 benchmarks/bench_step_graph.py --device cuda --examples 8000 --epochs 2
python3 benchmarks/bench_trainer.py --data-dir "$DATA" --device cuda --tile 60000
timeout 420 python3 benchmarks/bench_suite.py --preset seed-scale --device cuda --data-dir "$DATA" --no-download
