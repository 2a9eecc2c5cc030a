"""The downloadable notebooks, one per hand-written chapter: generated from the snippets (no
second copy of the code), each runs top to bottom in a fresh kernel with only torch and numpy,
and prints what its chapter prints."""

from __future__ import annotations

import ast
import re
import sys
import textwrap

import nbformat
import pytest
from mkdocs.config import load_config
from nbclient import NotebookClient

from conftest import DOCS, ROOT, SNIPPETS
from pages import ANNOTATION, code_blocks

SECTION = "The hand-written model"
CHAPTERS = [DOCS / page for item in load_config(str(ROOT / "mkdocs.yml")).nav
            if isinstance(item, dict) and SECTION in item for page in item[SECTION]]


def read_section(file: str, name: str) -> str:
    """A named section of a snippet, read straight from the file (independently of the build)."""
    text = (SNIPPETS / file).read_text(encoding="utf-8")
    m = re.search(rf"^[ \t]*# --8<-- \[start:{name}\]\n(.*?)^[ \t]*# --8<-- \[end:{name}\]", text,
                  re.S | re.M)
    assert m, f"{file} has no section {name}"
    return textwrap.dedent(m[1])


def without_annotations(code: str) -> str:
    """Code as a notebook cell holds it: no annotation markers, no trailing spaces."""
    return "\n".join(ANNOTATION.sub("", line).rstrip() for line in code.split("\n")).strip("\n")


def run_blocks(chapter) -> list[list[tuple[str, str]]]:
    """The (file, section) includes of each run block of a chapter, in page order."""
    text = chapter.read_text(encoding="utf-8")
    return [re.findall(r'--8<--\s+"([\w.]+):([\w-]+)"', block)
            for block in re.findall(r"```python exec[^\n]*\n(.*?)\n\s*```", text, re.S)]


def in_notebook(includes) -> bool:
    """Every run block of the page is a cell, except the exercise solutions."""
    return not any(f.endswith("_exercises.py") for f, _ in includes)


def expected_cells(chapter) -> list[str]:
    return [without_annotations("".join(read_section(f, s) for f, s in includes))
            for includes in run_blocks(chapter) if in_notebook(includes)]


def downloaded(site, chapter):
    return nbformat.read(site / "notebooks" / chapter.stem / f"{chapter.stem}.ipynb", as_version=4)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_is_a_notebook_for_every_hand_written_chapter():
    assert [c.stem for c in CHAPTERS][:1] == ["01-data"] and len(CHAPTERS) >= 8


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_code_cells_are_the_snippets_code(site, chapter):
    assert [c.source for c in code_cells(downloaded(site, chapter))] == expected_cells(chapter)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_needs_only_torch_and_numpy(site, chapter):
    imported = set()
    for cell in code_cells(downloaded(site, chapter)):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names <= {"torch", "numpy"}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_runs_top_to_bottom_and_prints_what_the_chapter_prints(site, chapter, tmp_path):
    """The downloaded file, in a fresh kernel, in an empty directory."""
    notebook = downloaded(site, chapter)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = code_cells(notebook)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    printed = ["".join(o.get("text", "") for o in c.outputs).rstrip("\n") for c in cells]
    blocks = code_blocks((site / chapter.stem / "index.html").read_text(encoding="utf-8"))
    includes = run_blocks(chapter)
    assert len(blocks) == len(includes)
    shown = [b.output.rstrip("\n") for b, inc in zip(blocks, includes) if in_notebook(inc)]
    assert printed == shown


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_page_offers_the_download_and_the_chapter_links_it(site, chapter):
    name = f"{chapter.stem}.ipynb"
    page = (site / "notebooks" / chapter.stem / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'<a href="{re.escape(name)}" download[^>]*>Download {re.escape(name)}</a>', page)
    assert "jp-Notebook" not in page and "MathJax" not in page  # the heavy markup is gone
    lesson = (site / chapter.stem / "index.html").read_text(encoding="utf-8")
    assert f'href="../notebooks/{chapter.stem}/"' in lesson
