"""Every page: its code is run (never typed in), pastes into the classic REPL, and no number in
its prose is typed by hand. That the pasted code prints what the page shows is checked by
running the chapter's notebook, whose cells are exactly these blocks (tests/test_takeaway.py)."""

from __future__ import annotations

import math
import re

import pytest

from conftest import CHAPTERS, DOCS, ROOT, SNIPPETS, topic
from pages import article, code_blocks, page_files, repl_errors


def test_every_chapter_has_its_snippet_and_test():
    assert CHAPTERS, "no chapters found"
    for chapter in CHAPTERS:
        name = topic(chapter)
        assert (SNIPPETS / f"{name}.py").exists(), f"{chapter.name} has no snippets/{name}.py"
        assert (ROOT / "tests" / f"test_{name}.py").exists(), f"{chapter.name} has no test_{name}.py"


def test_every_python_block_on_a_page_is_run():
    """A Python block that is not run could show anything; none are allowed."""
    fence = re.compile(r"^\s*(`{3,}|~{3,})\s*(python|py)\b(.*)$")
    for doc in sorted(DOCS.glob("*.md")):
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            m = fence.match(line)
            if m:
                assert re.search(r"\bexec\b", m[3]), f"{doc.name}:{n}: python block without exec"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_block_pastes_into_the_classic_repl(site, chapter):
    """Up to Python 3.12 the `python` REPL ends a compound statement only at a blank line: a
    top-level line right after a `for` or `def` body, or a blank line inside one, is an error
    there. Each block, copied as the copy button copies it, is fed to it line by line."""
    blocks = code_blocks((site / chapter.stem / "index.html").read_text(encoding="utf-8"))
    assert blocks
    for n, block in enumerate(blocks, 1):
        assert repl_errors(block.code) == [], f"block {n}:\n{block.code}"


def test_the_repl_check_catches_what_the_repl_refuses():
    assert repl_errors("for i in range(2):\n    pass\nprint(i)")  # no blank line after the loop
    assert repl_errors("def f():\n    x = 1\n\n    return x")  # a blank line ends the body
    assert repl_errors("for i in range(2):\n    pass\n\nprint(i)") == []


def prose(markdown: str) -> str:
    """The text a reader reads as prose: no code, no math, no {{ placeholders }}."""
    markdown = re.sub(r"^(\s*)(`{3,}|~{3,}).*?^\1\2\s*$", "", markdown, flags=re.S | re.M)
    markdown = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$|`[^`\n]+`|\{\{.*?\}\}", "", markdown, flags=re.S)
    markdown = re.sub(r"<svg\b.*?</svg>", "", markdown, flags=re.S)  # drawing coordinates
    return re.sub(r"\]\([^)]*\)", "]", markdown)  # link targets


def test_no_hand_typed_results_in_prose():
    """Numbers with 3+ significant digits in prose must come from a {{ placeholder }}."""
    suspicious = re.compile(r"(?<![\w.])(\d+\.\d{2,}|\d{1,3}(?:,\d{3})+|\d{4,})(?![\w.])")
    for doc in sorted(DOCS.glob("*.md")):
        found = suspicious.findall(prose(doc.read_text(encoding="utf-8")))
        assert not found, f"{doc.name}: typed numbers {found}: insert them with {{{{ expr | fmt }}}}"


def test_built_pages_have_no_placeholders_left(site):
    for page in page_files(site):
        body = article(page.read_text(encoding="utf-8"))
        for pre in body.select("pre"):
            pre.decompose()
        assert "{{" not in body.get_text(), page


def test_home_page_times_follow_the_rule_it_states():
    """The home page's time per chapter: its prose at 200 words a minute plus a minute per code
    block, rounded up to five minutes. A chapter that grows or shrinks must update it."""
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    stated = {m[1]: int(m[2]) for m in re.finditer(
        r"\]\((\d\d-[\w-]+)\.md\)[^\[]*?About\s+(\d+)\s+minutes", home)}
    assert sorted(stated) == sorted(c.stem for c in CHAPTERS), "a chapter without its time"
    for chapter in CHAPTERS:
        text = chapter.read_text(encoding="utf-8")
        minutes = len(re.findall(r"\w+", prose(text))) / 200 + len(
            re.findall(r"^\s*(?:`{3,}|~{3,})\s*python", text, re.M))
        assert stated[chapter.stem] == 5 * math.ceil(minutes / 5), (chapter.name, minutes)
