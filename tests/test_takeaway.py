"""The code a reader takes away: every chapter as a notebook and as one script (hooks/takeaway.py).

Here: what they hold. They are run in tests/test_notebook.py (a fresh kernel) and
tests/test_script.py (`python NN-topic.py`)."""

from __future__ import annotations

import ast
import re
import sys

import nbformat
import pytest

from conftest import CHAPTERS
from pages import (article, code_cells, lines, notebook_of, page_blocks, printed,
                   without_numbers)

def test_there_is_a_notebook_and_a_script_for_every_chapter(site):
    assert CHAPTERS and CHAPTERS[0].stem == "01-data"
    for chapter in CHAPTERS:
        name = chapter.stem
        assert (site / "notebooks" / name / f"{name}.ipynb").is_file()
        assert (site / "notebooks" / name / "index.html").is_file()
        assert (site / "code" / f"{name}.py").is_file()
    listed = (site / "notebooks" / "index.html").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        assert f'href="{chapter.stem}/{chapter.stem}.ipynb" download' in listed


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_carries_the_chapter_and_its_outputs(site, chapter):
    notebook = notebook_of(site, chapter)
    nbformat.validate(notebook)
    blocks, cells = page_blocks(site, chapter), code_cells(notebook)
    assert [without_numbers(c.source) for c in cells] == [lines(b.code) for b in blocks]
    assert [printed(c).rstrip("\n") for c in cells] == [b.output.rstrip("\n") for b in blocks]
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    page = article((site / chapter.stem / "index.html").read_text(encoding="utf-8"))
    headings = {re.sub(r"[`*]", "", h).strip() for h in re.findall(r"^## (.+)$", text, re.M)}
    for heading in page.select("h2"):  # every section, by its title
        assert heading.get_text().rstrip("¶").strip() in headings
    assert text.count("$$") == 2 * len(page.select("div.arithmatex"))  # every display formula
    for leftover in ("--8<--", "??? ", "!!! ", "{{", "{ .", ".md)"):
        assert leftover not in text, f"Material syntax left in the notebook: {leftover!r}"
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == len(page.select("details.success div.language-python"))
    assert all(c.metadata["jupyter"]["source_hidden"] for c in solutions)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_script_is_the_notebooks_code_with_no_markers_and_few_needs(site, chapter):
    text = (site / "code" / f"{chapter.stem}.py").read_text(encoding="utf-8")
    assert "--8<--" not in text and not re.search(r"# \(\d+\)", text)  # no markers
    tree = ast.parse(text)
    assert ast.get_docstring(tree) and "pip install torch numpy" in ast.get_docstring(tree)
    body = [line for line in text[text.index('"""', 3) + 3:].split("\n")
            if line.strip() and not line.startswith("# %%")
            and not re.match(r'plt\.(savefig\("[\w-]+\.svg"\)|close\(\))', line)]
    cells = [line for c in code_cells(notebook_of(site, chapter))  # a script saves its
             for line in without_numbers(c.source)  # figures rather than showing them
             if line.strip() and line.strip() != "plt.show()"]
    assert body == cells
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names <= {"torch", "numpy", "matplotlib"}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_and_notebook_pages_link_each_other_and_the_downloads(site, chapter):
    name = chapter.stem
    lesson = (site / name / "index.html").read_text(encoding="utf-8")
    assert f'href="../notebooks/{name}/"' in lesson
    assert f'href="../notebooks/{name}/{name}.ipynb" download' in lesson
    assert f'href="../code/{name}.py" download' in lesson
    page = (site / "notebooks" / name / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'<a href="{name}.ipynb" download[^>]*>Download {name}.ipynb</a>', page)
    assert f'href="../../code/{name}.py" download' in page
    assert "jp-Notebook" not in page and "MathJax" not in page  # the heavy markup is gone
    assert "colab.research.google.com" not in lesson + page  # no repository configured
