"""A chapter's notebook, downloaded into an empty folder and run top to bottom in a fresh Jupyter
kernel, prints what the chapter's page shows, cell by cell.

Each claim once, by the cheapest honest run: a notebook's code cells are exactly its page's
blocks and exactly its script's code (tests/test_takeaway.py), and every script runs alone and
prints what its page shows (tests/test_script.py), so the code of every chapter is checked by
one fresh run. What a kernel adds to a script is checked here, on one chapter with figures and
an explorable: the file opens and runs in Jupyter, the inline backend takes its figures, and no
cell shows the value of its last expression (every page's run refuses such a block,
hooks/lessonrun.py, so a strict build fails on one).
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import DOCS
from pages import code_cells, page_blocks, printed

pytestmark = pytest.mark.slow
CHAPTER = DOCS / "05-loss.md"


def test_notebook_runs_in_a_fresh_kernel_and_prints_what_the_page_shows(site, tmp_path):
    """The downloaded file, run top to bottom in a new kernel, in an empty folder."""
    name = CHAPTER.stem
    shutil.copy(site / "notebooks" / name / f"{name}.ipynb", tmp_path)
    notebook = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    for cell in code_cells(notebook):
        cell.outputs = []
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = code_cells(notebook)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not [o for c in cells for o in c.outputs if o.output_type == "execute_result"]
    figures = [o for c in cells for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 2  # the residuals and the fit-by-hand plots, drawn inline
    for n, (cell, block) in enumerate(zip(cells, page_blocks(site, CHAPTER), strict=True), 1):
        assert printed(cell).rstrip("\n") == block.output.rstrip("\n"), f"cell {n}:\n{cell.source}"
