"""Every chapter's notebook, downloaded into an empty folder and run top to bottom in a fresh
kernel, prints what the chapter's page shows. The notebook's code cells are exactly the page's
blocks (tests/test_takeaway.py), so this run is also the check that the page's code, pasted in
order into a new interpreter, prints what the page shows."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import CHAPTERS
from pages import code_cells, page_blocks, printed

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel_and_prints_what_the_page_shows(site, chapter, tmp_path):
    """The downloaded file, run top to bottom in a new kernel, in an empty folder."""
    shutil.copy(site / "notebooks" / chapter.stem / f"{chapter.stem}.ipynb", tmp_path)
    notebook = nbformat.read(tmp_path / f"{chapter.stem}.ipynb", as_version=4)
    for cell in code_cells(notebook):
        cell.outputs = []
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = code_cells(notebook)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    for n, (cell, block) in enumerate(zip(cells, page_blocks(site, chapter), strict=True), 1):
        assert printed(cell).rstrip("\n") == block.output.rstrip("\n"), f"cell {n}:\n{cell.source}"
