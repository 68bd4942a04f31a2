"""MLflow: one parent run per hw1 run (its config as parameters, figures and tables as artifacts, verdicts as
tags, key numbers as metrics) and one child run per model and seed (metrics.csv's columns by step).

The store is local by default — `sqlite:///<output root>/mlflow.db`, artifacts beside it in mlartifacts/ —
so no server is needed; `MLFLOW_TRACKING_URI` or `mlflow:URI` points elsewhere. Every run carries an
`hw1_key` tag: logging the same folder again (an export after a live run, or twice) finds it, never duplicates.

`import mlflow` is provided by the `mlflow` extra's `mlflow-skinny` package (the client without the server).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hw1cli.files import refuse_links
from hw1cli.tracking.folder import FolderRun, Identity, flat_params, identity_name, run_key

BATCH = 1000  # MLflow's log_batch takes at most 1000 metrics per call
KEY_TAG = "hw1_key"


def tracking_uri(target: str, store_root: Path) -> str:
    """`mlflow:URI` > MLFLOW_TRACKING_URI > a SQLite store under the output root; a bare folder means a SQLite
    store in it."""
    uri = target or os.environ.get("MLFLOW_TRACKING_URI", "")
    if not uri:
        return f"sqlite:///{(store_root / 'mlflow.db').resolve()}"
    if "://" not in uri and not uri.startswith(("databricks", "sqlite:")):
        return f"sqlite:///{(Path(uri) / 'mlflow.db').resolve()}"
    return uri


def artifact_location(uri: str) -> str | None:
    """Artifacts of a SQLite store go beside its file (MLflow's default is ./mlartifacts of the cwd)."""
    if uri.startswith("sqlite:///"):
        return str(Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts")
    return None


class MlflowSink:
    """Writes one hw1 run. `skip_existing` (export): a run already in the store is left as it is."""

    name = "mlflow"

    def __init__(self, target: str, store_root: Path, folder: Path, command: str, started_at: str, *,
                 experiment: str = "", parent_run_id: str | None = None, run_name: str = "",
                 extra_tags: Mapping[str, str] | None = None, skip_existing: bool = False) -> None:
        # A server that is down must fail fast: the run never waits on its tracker for minutes.
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
        self.uri = tracking_uri(target, store_root)
        if self.uri == tracking_uri("", store_root) and not os.environ.get("MLFLOW_TRACKING_URI"):
            for name in ("mlflow.db", "mlartifacts"):  # the default store beside the runs: no planted link
                refuse_links(store_root, Path(store_root) / name)
        if self.uri.startswith("sqlite:///"):
            Path(self.uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.folder, self.command, self.started_at = folder, command, started_at
        self.experiment_name = experiment or f"hw1-{command}"
        self.parent_run_id = parent_run_id
        self.run_name = run_name or folder.name
        self.extra_tags = dict(extra_tags or {})
        self.skip_existing = skip_existing
        self.skipped = False
        self.run_id = ""
        self._children: dict[Identity, str] = {}
        self._client: Any = None
        self._experiment_id = ""

    def _connect(self) -> Any:
        if self._client is None:
            import logging

            from mlflow.tracking import MlflowClient

            for name in ("mlflow", "alembic"):  # their INFO lines (creating tables...) are not the run's output
                logging.getLogger(name).setLevel(logging.WARNING)

            self._client = MlflowClient(tracking_uri=self.uri)
            found = self._client.get_experiment_by_name(self.experiment_name)
            self._experiment_id = found.experiment_id if found else self._client.create_experiment(
                self.experiment_name, artifact_location=artifact_location(self.uri))
        return self._client

    def _find(self, key: str) -> str | None:
        runs = self._connect().search_runs([self._experiment_id], filter_string=f"tags.{KEY_TAG} = '{key}'", max_results=1)
        return runs[0].info.run_id if runs else None

    def _create(self, key: str, name: str, parent: str | None, tags: Mapping[str, str]) -> str:
        all_tags = {KEY_TAG: key, "hw1_command": self.command, "hw1_folder": str(self.folder), **tags}
        if parent:
            all_tags["mlflow.parentRunId"] = parent
        return self._connect().create_run(self._experiment_id, run_name=name, tags=all_tags).info.run_id

    def open(self, config: Mapping[str, Any]) -> None:
        """The parent run: found again (a resumed run, or an export after a live run) or made, with the config."""
        from mlflow.entities import Param

        key = run_key(self.folder, self.started_at)
        existing = self._find(key)
        if existing and self.skip_existing:
            self.skipped, self.run_id = True, existing
            return
        if existing:
            self.run_id = existing
            return
        self.run_id = self._create(key, self.run_name, self.parent_run_id, self.extra_tags)
        params = [Param(k, v) for k, v in flat_params(config).items()]
        for start in range(0, len(params), 100):
            self._connect().log_batch(self.run_id, params=params[start:start + 100])

    def rows(self, identity: Identity, points: list[tuple[int, dict[str, float]]]) -> None:
        from mlflow.entities import Metric

        if self.skipped:
            return
        child = self._children.get(identity)
        if child is None:
            key = run_key(self.folder, self.started_at, identity)
            child = self._find(key) or self._create(key, identity_name(identity), self.run_id, dict(identity))
            self._children[identity] = child
        stamp = int(time.time() * 1000)
        metrics = [Metric(name, value, stamp, step) for step, values in points for name, value in values.items()]
        for start in range(0, len(metrics), BATCH):
            self._connect().log_batch(child, metrics=metrics[start:start + BATCH])

    def close(self, run: FolderRun | None, status: str, key_numbers: Mapping[str, float] | None = None) -> None:
        from mlflow.entities import Metric, RunTag

        if self.skipped or not self.run_id:
            return
        client = self._connect()
        state = {"completed": "FINISHED", "diverged": "FINISHED", "interrupted": "KILLED"}.get(status, "FAILED")
        stamp = int(time.time() * 1000)
        tags = [RunTag("hw1_status", status)]
        if run is not None:
            tags += [RunTag(f"claim.{claim}"[:250], verdict) for claim, verdict in run.verdicts]
            for path in [*run.figures, *run.tables]:
                client.log_artifact(self.run_id, str(path))
        metrics = [Metric(f"final.{k}", float(v), stamp, 0) for k, v in (key_numbers or {}).items()]
        client.log_batch(self.run_id, metrics=metrics, tags=tags)
        for child in self._children.values():
            client.set_terminated(child, status=state)
        client.set_terminated(self.run_id, status=state)
