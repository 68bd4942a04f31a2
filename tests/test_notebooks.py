"""The three homework notebooks run headless from top to bottom (quick presets, offline digits)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_is_one_notebook_per_homework_part() -> None:
    assert [p.name.split("_")[0] for p in NOTEBOOKS] == ["hw1-1", "hw1-2", "hw1-3"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_runs_without_error(path: Path, tmp_path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in book.cells if cell.cell_type == "code")  # stored without outputs
    client = nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name}: {error}")
    except (RuntimeError, OSError) as error:  # no kernel could start here (e.g. ipykernel missing)
        pytest.skip(f"the python3 kernel cannot start: {error}")
    images = [o for cell in book.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the figures show inline"
    assert (tmp_path / "outputs" / "notebooks").is_dir()
