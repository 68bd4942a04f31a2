"""Runs in the trackers researchers already watch: TensorBoard and MLflow, live while a run trains or after it.

- specs.py: `--log-to tensorboard[:DIR]` / `mlflow[:URI]` parsed and checked (usage errors, extras missing).
- session.py: `Tracking`, which takes every metrics row as the CSV log writes it and hands it to the trackers
  on a background thread, so a slow or failing tracker never slows or fails the run (one warning line).
- tensorboard_sink.py, mlflow_sink.py: the two trackers, imported only when asked for.
- folder.py: what a run folder holds for a tracker (config, rows by model and seed, figures, verdicts),
  read the same way live (at the end of a run) and by `hw1 export` (after the fact).

The CSVs stay the source of truth; nothing here is imported on a start-up path.
"""

from hw1cli.tracking.specs import TrackerSpec, check_available, parse_log_to

__all__ = ["TrackerSpec", "check_available", "parse_log_to"]
