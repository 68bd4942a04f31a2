"""MLflow: one parent run per hw1 run (its config as parameters, figures and tables as artifacts, verdicts as
tags, key numbers as metrics) and one child run per model and seed (metrics.csv's columns by step).

The store is local by default — `sqlite:///<output root>/mlflow.db`, artifacts beside it in mlartifacts/ —
so no server is needed; `MLFLOW_TRACKING_URI` or `mlflow:URI` points elsewhere. Every run carries an
`hw1_key` tag: logging the same folder again (an export after a live run, or twice) finds it, never duplicates.
Its `hw1_complete` tag is written last, once everything of the run is logged and its state set: an export skips
only a complete run and finishes one that was cut short (in the same MLflow runs, without logging a metrics row
twice). A call that fails marks the run, its children and its parent FAILED before the error goes on.

Every metric, parameter and tag name goes through `mlflow_name` (metrics.csv's column names are data, and
MLflow takes only some characters): `test_acc[shallow]` is logged as `test_acc/shallow`.

`import mlflow` is provided by the `mlflow` extra's `mlflow-skinny` package (the client without the server).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from hw1cli.files import refuse_links
from hw1cli.tracking.folder import FolderRun, Identity, flat_params, identity_name, run_key

BATCH = 1000  # MLflow's log_batch takes at most 1000 metrics per call
KEY_TAG = "hw1_key"
V = TypeVar("V")
COMPLETE_TAG = "hw1_complete"  # "true" only once everything of the run was logged: written last
MAX_NAME = 250  # MLflow's limit on a metric, parameter or tag name
_LABEL = re.compile(r"\[([^\[\]]*)\]")  # test_acc[shallow]: a key number of one model
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_.\- /]")  # what MLflow takes on every platform (a colon is not on Windows)


def mlflow_name(name: str) -> str:
    """A metric, parameter or tag name MLflow accepts, the same one every time: `x[label]` becomes `x/label`,
    any other character MLflow refuses `_`; no empty, '.' or '..' path part nor a leading '..' (MLflow refuses a
    name that is a path resolving elsewhere); at most 250 characters (a longer name ends with a hash of the
    whole, so that two stay apart)."""
    text = _NOT_ALLOWED.sub("_", _LABEL.sub(r"/\1", str(name)))
    if len(text) > MAX_NAME:
        digest = hashlib.sha256(str(name).encode()).hexdigest()[:8]
        text = f"{text[:MAX_NAME - 9]}-{digest}"
    parts = ["_" if part in (".", "..") else part for part in text.split("/") if part]
    text = "/".join(parts) or "_"
    return f"_{text[1:]}" if text.startswith("..") else text  # MLflow reads '..x' as a path upwards


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
        self._have: dict[str, set[tuple[str, int]]] = {}  # run id -> (metric, step) logged by an export cut short
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

    def _find(self, key: str) -> Any:
        """The run holding `key` (its tags, params and latest metrics come with it), or None."""
        runs = self._connect().search_runs([self._experiment_id], filter_string=f"tags.{KEY_TAG} = '{key}'", max_results=1)
        return runs[0] if runs else None

    def _create(self, key: str, name: str, parent: str | None, tags: Mapping[str, str]) -> str:
        all_tags = {KEY_TAG: key, "hw1_command": self.command, "hw1_folder": str(self.folder), **tags}
        if parent:
            all_tags["mlflow.parentRunId"] = parent
        # hw1's own tags come first: of two names that come out alike, the first is kept
        return self._connect().create_run(self._experiment_id, run_name=name, tags=_named(all_tags)).info.run_id

    def _reopen(self, found: Any) -> str:
        """A run of an earlier log is written again: not complete (nor FINISHED) until this one closes it; an
        export that finishes it skips the (metric, step) pairs it holds. Returns its id."""
        client, run_id = self._connect(), found.info.run_id
        client.set_tag(run_id, COMPLETE_TAG, "false")
        client.update_run(run_id, status="RUNNING")
        if self.skip_existing:
            self._have[run_id] = self._logged(found)
        return run_id

    def _logged(self, found: Any) -> set[tuple[str, int]]:
        """(metric, step) already in a run an export finishes: not logged twice."""
        client = self._connect()
        return {(m.key, m.step) for key in found.data.metrics for m in client.get_metric_history(found.info.run_id, key)}

    @contextmanager
    def _failing_marks_failed(self) -> Iterator[None]:
        """A call that fails leaves its runs FAILED and not complete (the next export finishes them), then raises."""
        try:
            yield
        except Exception:
            self._mark_failed()
            raise

    def _mark_failed(self) -> None:
        if self.skipped or not self.run_id or self._client is None:
            return
        try:  # the store may be what failed: the first call that fails ends this
            for run_id in [*self._children.values(), self.run_id, *([self.parent_run_id] if self.parent_run_id else [])]:
                self._client.set_tag(run_id, COMPLETE_TAG, "false")
                self._client.set_terminated(run_id, status="FAILED")
        except Exception:
            pass

    def open(self, config: Mapping[str, Any]) -> None:
        """The parent run: found again (a resumed run, an export after a live run, an export cut short) or made,
        with the config (parameters it holds already are kept as they are)."""
        with self._failing_marks_failed():
            self._open(config)

    def _open(self, config: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        key = run_key(self.folder, self.started_at)
        found = self._find(key)
        if found is not None and self.skip_existing and found.data.tags.get(COMPLETE_TAG) == "true":
            self.skipped, self.run_id = True, found.info.run_id
            return
        held: Mapping[str, str] = {}
        if found is not None:
            self.run_id, held = self._reopen(found), found.data.params
        else:
            self.run_id = self._create(key, self.run_name, self.parent_run_id, self.extra_tags)
        params = [Param(k, v) for k, v in _named(flat_params(config)).items() if k not in held]
        for start in range(0, len(params), 100):
            self._connect().log_batch(self.run_id, params=params[start:start + 100])

    def rows(self, identity: Identity, points: list[tuple[int, dict[str, float]]]) -> None:
        if self.skipped:
            return
        with self._failing_marks_failed():
            self._rows(identity, points)

    def _rows(self, identity: Identity, points: list[tuple[int, dict[str, float]]]) -> None:
        from mlflow.entities import Metric

        child = self._children.get(identity)
        if child is None:
            key = run_key(self.folder, self.started_at, identity)
            found = self._find(key)
            child = self._reopen(found) if found is not None else self._create(key, identity_name(identity), self.run_id,
                                                                                dict(identity))
            self._children[identity] = child
        stamp = int(time.time() * 1000)
        have = self._have.get(child, set())
        metrics = [Metric(name, value, stamp, step) for step, values in points for name, value in _named(values).items()
                   if (name, step) not in have]
        for start in range(0, len(metrics), BATCH):
            self._connect().log_batch(child, metrics=metrics[start:start + BATCH])

    def close(self, run: FolderRun | None, status: str, key_numbers: Mapping[str, float] | None = None) -> None:
        if self.skipped or not self.run_id:
            return
        with self._failing_marks_failed():
            self._close(run, status, key_numbers)

    def _close(self, run: FolderRun | None, status: str, key_numbers: Mapping[str, float] | None) -> None:
        from mlflow.entities import Metric, RunTag

        client = self._connect()
        state = {"completed": "FINISHED", "diverged": "FINISHED", "interrupted": "KILLED"}.get(status, "FAILED")
        stamp = int(time.time() * 1000)
        tags = {"hw1_status": status}
        if run is not None:
            tags.update(_named({f"claim.{claim}": verdict for claim, verdict in run.verdicts}))  # never "hw1_status"
            for path in [*run.figures, *run.tables]:
                client.log_artifact(self.run_id, str(path))
        have = self._have.get(self.run_id, set())
        finals = _named({f"final.{k}": float(v) for k, v in (key_numbers or {}).items()})
        metrics = [Metric(name, value, stamp, 0) for name, value in finals.items() if (name, 0) not in have]
        client.log_batch(self.run_id, metrics=metrics, tags=[RunTag(k, v) for k, v in tags.items()])
        if status == "running":  # a sweep still going (--log-to): its parent stays RUNNING, not complete
            return
        for child in self._children.values():
            client.set_terminated(child, status=state)
            client.set_tag(child, COMPLETE_TAG, "true")
        client.set_terminated(self.run_id, status=state)
        client.set_tag(self.run_id, COMPLETE_TAG, "true")  # last: an export skips only a run this was written to


def _named(values: Mapping[str, V]) -> dict[str, V]:
    """Metric, parameter or tag values by their MLflow names (of two names that come out alike, the first)."""
    named: dict[str, V] = {}
    for name, value in values.items():
        named.setdefault(mlflow_name(name), value)
    return named
