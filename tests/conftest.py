"""Shared fixtures: run a snippet, build the site once, read a built page."""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent


def run_script(name: str, *args: str, env: dict | None = None, check: bool = True):
    """`python snippets/<name>.py`, as a reader runs it: a fresh process."""
    return subprocess.run(
        [sys.executable, str(SNIPPETS / f"{name}.py"), *args],
        capture_output=True, text=True, check=check, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def run_snippet(name: str) -> tuple[dict, str]:
    """Run a snippet in this process; return its globals and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(SNIPPETS / f"{name}.py"), run_name="__main__")
    return namespace, out.getvalue()


def build_site(site_dir: Path, cache_dir: Path | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` into site_dir; a fresh cache_dir makes every page run. Builds
    that share the project's .cache take turns (`make test` runs tests in parallel workers)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
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


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built once per test session with `mkdocs build --strict`."""
    site_dir = tmp_path_factory.mktemp("site")
    done = build_site(site_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    return site_dir
