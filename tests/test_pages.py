"""Every page shows real output: the code on it, pasted into a fresh interpreter, prints what the
page shows; each chapter's script prints the same; no number in the prose is typed by hand."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import DOCS, ROOT, SNIPPETS, run_script
from pages import article, code_blocks, page_files

CHAPTERS = sorted(DOCS.glob("[0-9][0-9]-*.md"))
PASTE = r"""
import contextlib, io, json, sys
namespace = {"__name__": "__main__"}
printed = []
for code in json.load(sys.stdin):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<pasted>", "exec"), namespace)
    printed.append(out.getvalue())
json.dump(printed, sys.stdout)
"""


def topic(chapter) -> str:
    return chapter.stem.split("-", 1)[1].replace("-", "_")


def built_page(site, chapter):
    return site / chapter.stem / "index.html"


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
def test_code_pasted_in_order_prints_what_the_page_shows(site, chapter, tmp_path):
    blocks = code_blocks(built_page(site, chapter).read_text(encoding="utf-8"))
    assert blocks, f"{chapter.name} shows no code"
    done = subprocess.run([sys.executable, "-c", PASTE], input=json.dumps([b.code for b in blocks]),
                          capture_output=True, text=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    for n, (block, printed) in enumerate(zip(blocks, json.loads(done.stdout)), 1):
        assert printed.rstrip("\n") == block.output.rstrip("\n"), f"block {n}:\n{block.code}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_script_prints_what_the_page_shows(site, chapter):
    """`python snippets/<topic>.py` (then its exercises) prints the page's outputs, in order."""
    shown = "".join(b.output.rstrip("\n") + "\n" for b in
                    code_blocks(built_page(site, chapter).read_text(encoding="utf-8")) if b.output)
    scripts = [topic(chapter)] + ([f"{topic(chapter)}_exercises"]
                                  if (SNIPPETS / f"{topic(chapter)}_exercises.py").exists() else [])
    printed = "".join(run_script(name).stdout for name in scripts)
    assert printed == shown


def prose(markdown: str) -> str:
    """The text a reader reads as prose: no code, no math, no {{ placeholders }}."""
    markdown = re.sub(r"^(\s*)(`{3,}|~{3,}).*?^\1\2\s*$", "", markdown, flags=re.S | re.M)
    markdown = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$|`[^`\n]+`|\{\{.*?\}\}", "", markdown, flags=re.S)
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
