"""Every chapter's script runs alone: `python NN-topic.py` in an empty folder, with no path to
the lesson's modules, prints what the chapter's page shows and saves the figures it draws.
Each runs in a fresh process forked from one that has imported torch (tests/fresh.py): the
same run, three seconds sooner."""

from __future__ import annotations

import shutil

import pytest

import fresh
from conftest import CHAPTERS
from pages import article, page_blocks

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_script_runs_alone_and_prints_what_the_page_shows(site, chapter, tmp_path):
    """`python NN-topic.py` in an empty folder, with no path to the lesson's modules."""
    script = shutil.copy(site / "code" / f"{chapter.stem}.py", tmp_path)
    done = fresh.run(script, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    shown = "".join(b.output.rstrip("\n") + "\n" for b in page_blocks(site, chapter) if b.output)
    assert done.stdout == shown
    figures = article((site / chapter.stem / "index.html").read_text(encoding="utf-8")).select(
        "figure.exec-plot")
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == sorted(
        f"{chapter.stem}-{k}.svg" for k in range(1, len(figures) + 1))


def test_the_shared_module_downloads_and_runs_alone(site, tmp_path):
    """code/linreg.py, linked from chapter 1, is snippets/linreg.py without snippet markers:
    alone in an empty folder it prints what the repository's copy prints, and imports."""
    from conftest import SNIPPETS

    module = shutil.copy(site / "code" / "linreg.py", tmp_path)
    assert "--8<--" not in (tmp_path / "linreg.py").read_text(encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LINREG_DEVICE": "cpu"}
    ours = fresh.run(module, cwd=tmp_path, env=env)
    theirs = fresh.run(SNIPPETS / "linreg.py", cwd=tmp_path, env=env)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout and "device" in ours.stdout
    (tmp_path / "uses.py").write_text("import linreg\nw, b = linreg.init_params()\n"
                                      "print(tuple(w.shape), tuple(b.shape))\n")
    fit = fresh.run(tmp_path / "uses.py", cwd=tmp_path, env=env)
    assert fit.stdout == "(2, 3) (2,)\n", fit.stderr
