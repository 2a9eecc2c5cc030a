"""Reading the built site the way a reader sees it: pages, their code blocks and outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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
    for div in article(html).select("div.highlight"):
        text = div.select_one("pre > code").get_text()
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
