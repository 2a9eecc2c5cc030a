"""Shared fixtures: run a snippet, build the site once, read a built page."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent
CHAPTERS = sorted(DOCS.glob("[0-9][0-9]-*.md"))


SPREAD = {"test_browser", "test_notebook", "test_script", "test_site"}


def pytest_collection_modifyitems(items):
    """How `make test` (`--dist loadgroup`) shares tests between workers: a chapter's module
    stays on one worker, so its snippet runs once; the browser tests go by page (a page opened
    once serves its checks), and the kernels, scripts and builds spread over all workers."""
    for n, item in enumerate(items):
        module = item.module.__name__.rsplit(".", 1)[-1]
        params = getattr(getattr(item, "callspec", None), "params", {})
        if module not in SPREAD:
            group = module
        elif module == "test_browser" and "path" in params:
            group = f"browser:{params['path']}"
        else:
            group = f"{module}:{n}"
        item.add_marker(pytest.mark.xdist_group(group))


def topic(chapter: Path) -> str:
    """docs/04-model.md -> model: the name of its snippet and its test."""
    return chapter.stem.split("-", 1)[1].replace("-", "_")


def run_script(name: str, *args: str, env: dict | None = None, check: bool = True):
    """`python snippets/<name>.py`, as a reader runs it: a fresh process (tests/fresh.py)."""
    import fresh

    done = fresh.run(SNIPPETS / f"{name}.py", *args, cwd=ROOT, env={**os.environ, **(env or {})})
    if check:
        done.check_returncode()
    return done


@functools.cache
def run_snippet(name: str) -> tuple[dict, str]:
    """Run a snippet in this process, once per test process; return its globals and what it
    printed. Tests read the namespace and must not change it."""
    import matplotlib.pyplot as plt

    before, out = set(plt.get_fignums()), io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(SNIPPETS / f"{name}.py"), run_name="__main__")
    # The figures it drew, kept with the cached run: another module's teardown may close them.
    namespace["__figures__"] = [plt.figure(n) for n in plt.get_fignums() if n not in before]
    return namespace, out.getvalue()


def build_site(site_dir: Path, cache_dir: Path | None = None, env: dict | None = None
               ) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` into site_dir; a fresh cache_dir makes every page run. Builds
    that share the project's .cache take turns (`make test` runs tests in parallel workers)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    if cache_dir is not None:
        env["LINREG_BUILD_CACHE"] = str(cache_dir)
    with shared_cache() if cache_dir is None else contextlib.nullcontext():
        return subprocess.run(
            [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site_dir)],
            capture_output=True, text=True, cwd=ROOT, env=env,
        )


def shared_cache() -> FileLock:
    """Held while a build writes, or a test copies, the project's .cache."""
    (ROOT / ".cache").mkdir(exist_ok=True)
    return FileLock(ROOT / ".cache" / "tests.lock")


def shared_cache_is_empty() -> bool:
    """No page run in the project's .cache: a build from it runs every page afresh."""
    return not any((ROOT / ".cache" / "exec").glob("*"))


@pytest.fixture(scope="session")
def site_build(request) -> tuple[Path, subprocess.CompletedProcess]:
    """The site, built once per test run with `mkdocs build --strict`, and what it said. The
    parallel workers of one run (pytest-xdist) share it: the first to need it builds it.
    `site_build_was_cold` says whether it ran every page afresh (a fresh clone, or CI)."""
    worker = getattr(request.config, "workerinput", None)
    run = worker["testrunuid"] if worker else f"{os.getpid()}"
    runs = ROOT / "test-artifacts" / "runs"
    folder = runs / run
    folder.mkdir(parents=True, exist_ok=True)
    for old in runs.iterdir():  # earlier runs' sites, kept an hour for a look
        if old != folder and time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)
    with FileLock(folder / "build.lock"):
        record = folder / "build.json"
        if not record.exists():
            cold = shared_cache_is_empty()
            done = build_site(folder / "site")
            record.write_text(json.dumps([done.returncode, done.stdout, done.stderr, cold]))
        *said, cold = json.loads(record.read_text())
        done = subprocess.CompletedProcess([], *said)
        (folder / "cold").write_text("1" if cold else "")
    assert done.returncode == 0, done.stdout + done.stderr
    return folder / "site", done


@pytest.fixture(scope="session")
def site(site_build) -> Path:
    return site_build[0]


@pytest.fixture(scope="session")
def site_build_was_cold(site) -> bool:
    return bool((site.parent / "cold").read_text())


def page_outputs(site: Path, chapter_stem: str) -> str:
    """Everything a chapter's page shows as output, in order, one block after another."""
    from pages import code_blocks

    html = (site / chapter_stem / "index.html").read_text(encoding="utf-8")
    return "".join(b.output.rstrip("\n") + "\n" for b in code_blocks(html) if b.output)


def assert_prints_the_page(site: Path, name: str, *printed: str) -> None:
    """What `python snippets/<name>.py`, then its exercises, printed (the runs the chapter's
    tests made) is what the chapter's page shows."""
    chapter = next(c for c in CHAPTERS if topic(c) == name)
    assert "".join(printed) == page_outputs(site, chapter.stem)
