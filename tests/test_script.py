"""Every chapter's script runs alone: `python NN-topic.py` in an empty folder, with no path to
the lesson's modules, prints what the chapter's page shows and saves the figures it draws."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import CHAPTERS
from pages import article, page_blocks

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_script_runs_alone_and_prints_what_the_page_shows(site, chapter, tmp_path):
    """`python NN-topic.py` in an empty folder, with no path to the lesson's modules."""
    script = shutil.copy(site / "code" / f"{chapter.stem}.py", tmp_path)
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    shown = "".join(b.output.rstrip("\n") + "\n" for b in page_blocks(site, chapter) if b.output)
    assert done.stdout == shown
    figures = article((site / chapter.stem / "index.html").read_text(encoding="utf-8")).select(
        "figure.exec-plot")
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == sorted(
        f"{chapter.stem}-{k}.svg" for k in range(1, len(figures) + 1))
