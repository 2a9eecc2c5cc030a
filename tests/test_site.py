"""The built site: strict and quiet, deterministic, self-contained, every internal link resolves;
a failing snippet fails the strict build but shows on its page under `mkdocs serve`."""

from __future__ import annotations

import filecmp
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from mkdocs.config import load_config

from conftest import CHAPTERS, ROOT, build_site, shared_cache
from pages import page_files

SITE_URL = load_config(str(ROOT / "mkdocs.yml")).site_url
VARYING = {"sitemap.xml", "sitemap.xml.gz"}  # carry the build date by design
MKDOCS = str(Path(sys.executable).parent / "mkdocs")


def test_strict_build_says_only_what_a_writer_must_act_on(site_build):
    """No warning, and nothing but MkDocs's own three lines: no plugin chatter."""
    _, done = site_build
    said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert not [line for line in said if "WARNING" in line]
    routine = re.compile(r"INFO\s+-\s+(Cleaning site directory|Building documentation to directory"
                         r"|Documentation built in [\d.]+ seconds)")
    assert [line for line in said if not routine.search(line)] == []


@pytest.mark.slow
def test_the_cache_changes_no_byte(site, site_build_was_cold, tmp_path):
    """A build that reuses the page runs and notebook pages of the cache gives byte-identical
    files to one that runs every page's code afresh. The session's build is one of the two:
    cold in CI or a fresh clone (then a second build replays the cache it filled), or made
    from the cache an earlier run left (then a second build starts from an empty cache)."""
    if site_build_was_cold:
        done = build_site(tmp_path / "site")  # the project's .cache, which the first build filled
    else:
        done = build_site(tmp_path / "site", cache_dir=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    second = tmp_path / "site"
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    differ = [f for f in files if f.name not in VARYING
              and not filecmp.cmp(site / f, second / f, shallow=False)]
    assert not differ


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 60) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8")


@pytest.fixture
def mini_project(tmp_path) -> Path:
    """A copy of the project with two chapters (1 and 4) and a bare home page, for the tests that
    change a snippet or a setting and build: everything but the other pages, so it builds fast."""
    project = tmp_path / "project"
    with shared_cache():
        shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(  # .cache kept: warm build
            ".venv", "site", ".git", "test-artifacts", "__pycache__", "*.lock", "node_modules"))
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    keep = {CHAPTERS[0].name, CHAPTERS[3].name}
    for doc in (project / "docs").glob("*.md"):
        if doc.name not in keep:
            doc.unlink()
    (project / "docs" / "index.md").write_text("# Two chapters\n")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text[:text.index("\nnav:\n")] + "\nnav:\n  - index.md\n" + "".join(
        f"  - {name}\n" for name in sorted(keep)) + "  - book.md\n"  # the page tree is last
    config.write_text(text.replace("  anchors: warn\n", "  anchors: warn\n  not_found: info\n"),
                      encoding="utf-8")
    return project


def test_a_block_whose_last_line_has_a_value_is_refused():
    """A notebook cell (or IPython) shows the value of its last expression, which the page
    would not show: the run reports it, so a strict build fails."""
    sys.path.insert(0, str(ROOT / "hooks"))
    import lessonrun

    def echoes(blocks):  # one block: a figure another test left open stops the run after it
        return [p for p in lessonrun.run_page("t.md", blocks, [])["problems"] if "gives" in p]

    assert echoes([("x = [3, 1]\nx.sort()\nx.copy()", {})]) == [
        "code block 1, line 3: `x.copy()` gives list [1, 3], which a notebook prints under it: "
        "end the block with what returns None"]
    assert echoes([("x = []\nx.append(1)\nprint(x)", {})]) == []


@pytest.mark.slow
def test_a_failing_snippet_fails_the_build_and_shows_on_its_page_under_serve(mini_project, tmp_path):
    """`mkdocs build --strict` stops; `mkdocs serve` keeps serving and shows the traceback on
    the page it breaks, with the other pages as they were."""
    project = mini_project
    snippet = project / "snippets" / "data.py"
    snippet.write_text(snippet.read_text().replace(
        'print("inputs: ", inputs.shape, inputs.dtype)', 'print("inputs: ", inputs.shap)'))
    env = {"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(tmp_path)}
    done = subprocess.run([MKDOCS, "build", "--strict", "-d", str(tmp_path / "out")], cwd=project,
                          capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "AttributeError: 'numpy.ndarray' object has no attribute 'shap'" in done.stdout + done.stderr

    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as said:
        server = subprocess.Popen([MKDOCS, "serve", "--dev-addr", f"127.0.0.1:{port}",
                                   "--no-livereload"], cwd=project, env=env, stdout=said,
                                  stderr=subprocess.STDOUT)
    try:
        for _ in range(240):  # the first build runs before the server answers
            try:
                broken = fetch(f"http://127.0.0.1:{port}/01-data/", timeout=5)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(log.read_text())
                time.sleep(0.5)
        else:
            pytest.fail("mkdocs serve did not answer")
        assert "no attribute &#39;shap&#39;" in broken or "no attribute 'shap'" in broken
        assert 'class="language-text exec-output exec-error' in broken  # kept as code: unusual
        other = fetch(f"http://127.0.0.1:{port}/04-model/")
        assert "exec-error" not in other and "grad_fn=&lt;AddBackward0&gt;" in other
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_repository_links_appear_only_when_a_repository_is_configured(site, mini_project,
                                                                      tmp_path):
    """With `$LINREG_REPOSITORY`, chapter and notebook pages link their source and Colab; the
    session's build, without it, has none."""
    done = subprocess.run([MKDOCS, "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=mini_project, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1",
                               "LINREG_REPOSITORY": "https://github.com/example/linreg"})
    assert done.returncode == 0, done.stdout + done.stderr
    name = CHAPTERS[3].stem
    for page in (tmp_path / "site" / name / "index.html", tmp_path / "site" / "notebooks" / name / "index.html"):
        html = page.read_text(encoding="utf-8")
        assert f'href="https://github.com/example/linreg/blob/main/docs/{name}.md"' in html
        assert (f'href="https://colab.research.google.com/github/example/linreg/blob/gh-pages/'
                f'notebooks/{name}/{name}.ipynb"') in html
    for page in page_files(site):
        assert "github.com/example" not in page.read_text(encoding="utf-8")


def references(html: str):
    """Every URL a page refers to: (attribute, url)."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["a", "link", "script", "img", "source", "iframe"]):
        for attr in ("href", "src"):
            if tag.get(attr):
                yield tag.name, tag[attr]


def test_no_request_leaves_the_site(site):
    """Nothing the pages load (scripts, styles, images, fonts) comes from another origin."""
    for page in page_files(site):
        for tag, url in references(page.read_text(encoding="utf-8")):
            if tag != "a" and not (tag == "link" and url.startswith(SITE_URL)):
                assert not re.match(r"(https?:)?//", url), f"{page}: {tag} loads {url}"
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            assert not re.match(r"(https?:)?//", url), f"{css}: loads {url}"


def test_every_internal_link_and_anchor_resolves(site):
    ids: dict[Path, set[str]] = {}

    def anchors(path: Path) -> set[str]:
        if path not in ids:
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            ids[path] = {t["id"] for t in soup.find_all(id=True)} | {
                t["name"] for t in soup.find_all(attrs={"name": True})}
        return ids[path]

    external, broken = set(), []
    for page in page_files(site):
        base = "/" + page.parent.relative_to(site).as_posix() + "/"
        for _tag, url in references(page.read_text(encoding="utf-8")):
            if url.startswith(SITE_URL):
                url = "/" + url[len(SITE_URL):]
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto"):
                external.add(url)
                continue
            target = site / unquote(urlsplit(urljoin(base, url)).path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {url}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in anchors(target):
                broken.append(f"{page.relative_to(site)} -> {url} (no such anchor)")
    assert not broken
    print("external links (listed, not fetched):", sorted(external) or "none")
