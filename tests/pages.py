"""Reading the built site the way a reader sees it: pages, their code blocks and outputs."""

from __future__ import annotations

import code
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

ANNOTATION = re.compile(r"[ \t]*# \(\d+\)!")  # Material turns these into bubbles
MARKER = re.compile(r"# \(\d+\)!")  # copy drops the marker, not the spaces before it


@dataclass
class Block:
    code: str
    output: str  # what the page shows under the block ("" when nothing is shown)


def article(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser").select_one("article.md-content__inner")


def code_blocks(html: str) -> list[Block]:
    """Every Python block of a page in order, each with the output shown under it."""
    blocks: list[Block] = []
    for div in article(html).select("div.highlight, div.exec-output"):
        text = div.select_one("pre > code, pre > samp").get_text()
        classes = div.get("class", [])
        if "exec-output" in classes:
            assert blocks and not blocks[-1].output, "an output block must follow a code block"
            blocks[-1].output = text
        elif "language-python" in classes:
            blocks.append(Block(copied_text(text), ""))
    return blocks


def copied_text(code: str) -> str:
    """What Material's copy button puts on the clipboard for this code."""
    return "\n".join(MARKER.sub("", line) for line in code.split("\n")).rstrip()


def page_files(site: Path) -> list[Path]:
    """The built HTML of every page (not the 404 page)."""
    return sorted(p for p in site.rglob("index.html") if "assets" not in p.parts)


class _CompileOnly(code.InteractiveConsole):
    """The classic `python` REPL's rules (up to 3.12): lines are compiled as they are typed,
    a compound statement ends only at a blank line. Compiles, never runs."""

    def __init__(self):
        super().__init__()
        self.errors: list[str] = []

    def runcode(self, compiled):
        pass

    def write(self, data):
        self.errors.append(data)


def repl_errors(source: str) -> list[str]:
    """What the classic REPL says when `source` is pasted into it line by line, then Enter."""
    console = _CompileOnly()
    for line in source.split("\n") + [""]:
        console.push(line)
    return console.errors


# Notebooks (hooks/takeaway.py)

COMMENT_NUMBER = re.compile(r"[ \t]*# \(\d+\)$")  # an annotation marker, as a notebook keeps it


def page_blocks(site, chapter):
    return code_blocks((site / chapter.stem / "index.html").read_text(encoding="utf-8"))


def notebook_of(site, chapter):
    return nbformat.read(site / "notebooks" / chapter.stem / f"{chapter.stem}.ipynb", as_version=4)


def code_cells(notebook) -> list:
    return [c for c in notebook.cells if c.cell_type == "code"]


def lines(code: str) -> list[str]:
    return [line.rstrip() for line in code.rstrip().split("\n")]


def without_numbers(code: str) -> list[str]:
    return [COMMENT_NUMBER.sub("", line).rstrip() for line in code.rstrip().split("\n")]


def printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
