"""The downloadable notebook: generated from the snippets (no second copy of the code), runs top
to bottom in a fresh kernel with only torch and numpy, and prints what the chapters print."""

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


def chapter_files() -> list:
    nav = load_config(str(ROOT / "mkdocs.yml")).nav
    return [DOCS / page for item in nav if isinstance(item, dict) and SECTION in item
            for page in item[SECTION]]


def run_blocks(chapter) -> list[list[tuple[str, str]]]:
    """The (file, section) includes of each run block of a chapter, in page order."""
    text = chapter.read_text(encoding="utf-8")
    return [re.findall(r'--8<--\s+"([\w.]+):([\w-]+)"', block)
            for block in re.findall(r"```python exec[^\n]*\n(.*?)\n\s*```", text, re.S)]


def in_notebook(includes) -> bool:
    """Setup blocks (only linreg.py) and exercise solutions stay out of the notebook."""
    files = {f for f, _ in includes}
    return not (files <= {"linreg.py"} or any(f.endswith("_exercises.py") for f in files))


def expected_cells() -> list[str]:
    """linreg.py's sections, then every run block of the chapters except Setup and solutions."""
    linreg = (SNIPPETS / "linreg.py").read_text(encoding="utf-8")
    cells = [read_section("linreg.py", name) for name in re.findall(r"\[start:([\w-]+)\]", linreg)]
    for chapter in chapter_files():
        cells += ["".join(read_section(f, s) for f, s in includes)
                  for includes in run_blocks(chapter) if in_notebook(includes)]
    return [without_annotations(c) for c in cells]


@pytest.fixture(scope="module")
def notebook(site):
    return nbformat.read(site / "lesson" / "lesson.ipynb", as_version=4)


@pytest.fixture(scope="module")
def executed(notebook, tmp_path_factory):
    """Run the downloaded file top to bottom in a fresh kernel, in an empty directory."""
    run = nbformat.from_dict(notebook)
    NotebookClient(run, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}}).execute()
    return run


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_code_cells_are_the_snippets_code(notebook):
    assert [c.source for c in code_cells(notebook)] == expected_cells()


def test_needs_only_torch_and_numpy(notebook):
    imported = set()
    for cell in code_cells(notebook):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names <= {"torch", "numpy"}


def test_runs_top_to_bottom_and_prints_what_the_chapters_print(executed, site):
    cells = code_cells(executed)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    printed = ["".join(o.get("text", "") for o in c.outputs) for c in cells]
    n_linreg = len(re.findall(r"\[start:", (SNIPPETS / "linreg.py").read_text(encoding="utf-8")))
    assert not any(printed[:n_linreg]), "the shared code prints nothing"
    shown = []  # the page's output under each block that became a notebook cell, in order
    for chapter in chapter_files():
        blocks = code_blocks((site / chapter.stem / "index.html").read_text(encoding="utf-8"))
        includes = run_blocks(chapter)
        assert len(blocks) == len(includes), chapter.name
        shown += [b.output for b, inc in zip(blocks, includes) if in_notebook(inc)]
    assert [p.rstrip("\n") for p in printed[n_linreg:]] == [s.rstrip("\n") for s in shown]


def test_page_offers_the_download(site):
    page = (site / "lesson" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="lesson.ipynb" download[^>]*>Download lesson.ipynb</a>', page)
    assert "jp-Notebook" not in page and "MathJax" not in page  # the heavy markup is gone
