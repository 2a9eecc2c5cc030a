"""The built site: strict, deterministic, self-contained, and every internal link resolves."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup
from mkdocs.config import load_config

from conftest import ROOT, build_site, shared_cache
from pages import page_files

SITE_URL = load_config(str(ROOT / "mkdocs.yml")).site_url
VARYING = {"sitemap.xml", "sitemap.xml.gz"}  # carry the build date by design


def test_strict_build_has_no_warnings(tmp_path):
    done = build_site(tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr


def test_a_cold_build_gives_the_same_bytes(site, tmp_path):
    """A second build, with its own empty cache so that every page's code and every notebook
    runs afresh, gives byte-identical files to the session's build (itself cold in CI, or
    made from the cache a previous run left: then this also shows the cache changes nothing)."""
    done = build_site(tmp_path / "site", cache_dir=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    second = tmp_path / "site"
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    differ = [f for f in files if f.name not in VARYING
              and not filecmp.cmp(site / f, second / f, shallow=False)]
    assert not differ


def test_a_failing_snippet_fails_the_build(tmp_path):
    """A page whose code raises must not build, even though the rest is fine."""
    project = tmp_path / "project"
    with shared_cache():
        shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(  # .cache kept: warm build
            ".venv", "site", ".git", "test-artifacts", "__pycache__", "*.lock"))
    page = project / "docs" / "01-data.md"
    page.write_text(page.read_text() + '\n```python exec\nraise ValueError("boom")\n```\n')
    done = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict",
                           "-d", str(tmp_path / "out")], cwd=project, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode != 0
    assert "ValueError: boom" in done.stdout + done.stderr


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


def test_snippets_are_downloadable_beside_the_pages(site):
    for script in (ROOT / "snippets").glob("*.py"):
        assert (site / "snippets" / script.name).read_bytes() == script.read_bytes()
