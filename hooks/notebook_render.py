"""The chapter notebooks' pages: mkdocs-jupyter's rendering, re-expressed in the site's markup,
done ahead of time and side by side.

mkdocs-jupyter renders a notebook page when MkDocs reaches it, one after another, and keeps the
result in its cache (keyed by the notebook's bytes and its settings): about a second a notebook
on a cold build. `prewarm` fills that cache first, in one process per core, with mkdocs-jupyter's
own functions, and in the same processes turns each rendering into the site's markup (`convert`),
kept in a cache of our own. If a release of mkdocs-jupyter no longer has the functions used
here, its cache is left alone and mkdocs-jupyter renders as usual: slower, never different.

`convert` replaces nbconvert's JupyterLab markup by the site's own: code cells become the same
highlighted, copyable blocks as on every page, outputs the same "Output" blocks and figures,
markdown cells plain HTML with math for hooks/katex.py. That drops ~570 KB of inline JupyterLab
CSS, an empty-src MathJax loader and a mermaid loader the lesson does not use.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import re
import sys
from html import escape
from pathlib import Path

# The settings new_render() passes to nb2html (mkdocs_jupyter/plugin.py, 0.26)
OPTIONS = ("kernel_name", "theme", "allow_errors", "show_input", "no_input", "no_prompt",
           "remove_tag_config", "highlight_extra_classes", "include_requirejs",
           "custom_mathjax_url")


def page_cache(cache_dir: Path, notebook: Path, figures: list[list[str]], header: str) -> Path:
    """Where the converted page of this notebook, with these figures and header, is kept."""
    facts = [notebook.read_text(encoding="utf-8"), figures, header,
             Path(__file__).read_text(encoding="utf-8")]
    return cache_dir / f"{hashlib.sha256(json.dumps(facts).encode()).hexdigest()}.html"


def prewarm(jobs: list[dict], settings, workers: int | None = None) -> int:
    """Render and convert, side by side, every notebook whose converted page is not cached.
    A job: {"notebook", "page_cache", "figures", "header"}. Returns how many were done."""
    todo = [job for job in jobs if not Path(job["page_cache"]).exists()]
    if not todo or settings.get("execute"):
        return 0
    try:
        from mkdocs_jupyter import plugin
        key, where = plugin._compute_cache_key, plugin._get_cache_path
        assert callable(plugin._get_nb_toc_tokens)
    except (ImportError, AttributeError, AssertionError):
        return 0
    for job in todo:
        job["jupyter_cache"] = (str(where(settings["cache_dir"], key(job["notebook"], settings, False)))
                                if settings.get("cache", True) else None)
    options = {name: settings[name] for name in OPTIONS}
    here = str(Path(__file__).parent)
    if here not in sys.path:  # the workers import this module by name
        sys.path.insert(0, here)
    count = min(len(todo), workers or os.cpu_count() or 1)
    with concurrent.futures.ProcessPoolExecutor(
            count, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(render, todo, [options] * len(todo), [settings["toc_depth"]] * len(todo)))
    return len(todo)


def render(job: dict, options: dict, toc_depth: int) -> None:
    """mkdocs-jupyter's cache entry, exactly as its new_render() writes it, then our page."""
    from mkdocs.structure.toc import get_toc
    from mkdocs_jupyter import convert as nbconvert, plugin

    notebook, cached = job["notebook"], job.get("jupyter_cache")
    if cached and Path(cached).exists():
        entry = json.loads(Path(cached).read_text(encoding="utf-8"))
    else:
        body = nbconvert.nb2html(notebook, execute=False, **options)
        toc_tokens, title = plugin._get_nb_toc_tokens(notebook, toc_depth)
        entry = {"content": body, "toc_tokens": toc_tokens, "title": title}
        if cached:
            write(Path(cached), json.dumps(entry))
    html = convert(entry["content"], list(flat_ids(get_toc(entry["toc_tokens"]))), job["figures"],
                   job["header"])
    write(Path(job["page_cache"]), html)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(f"{path}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)  # atomic: a parallel build never reads half a file


# ---------------------------------------------------------------------------------------------
# nbconvert's markup -> the site's
# ---------------------------------------------------------------------------------------------


def convert(html: str, toc_ids: list[str], figures: list[list[str]], header: str) -> str:
    """The page's content in the site's markup. `figures` holds, per code cell, the HTML of the
    figures it drew; `header` goes right under the title."""
    from bs4 import BeautifulSoup

    html = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)  # ~570 KB of CSS
    soup = BeautifulSoup(html, "html.parser")
    parts, code_cells = [], 0
    for cell in soup.select_one(".jp-Notebook").find_all("div", class_="jp-Cell", recursive=False):
        if "jp-MarkdownCell" in cell["class"]:
            parts.append(markdown_cell(cell.select_one(".jp-RenderedMarkdown")))
            continue
        code = cell.select_one(".highlight-ipynb pre")
        if code.span and not code.span.get_text():
            code.span.decompose()
        parts.append(f'<div class="language-python highlight"><pre><span></span><code>'
                     f'{code.decode_contents()}</code></pre></div>')
        printed = "".join(pre.get_text() for pre in cell.select(".jp-OutputArea-output pre"))
        if printed:
            parts.append('<div class="exec-output" data-search-exclude><span class="filename">'
                         f"Output</span><pre><samp>{escape(printed.rstrip())}</samp></pre></div>")
        parts += figures[code_cells] if code_cells < len(figures) else []
        code_cells += 1
    parts.insert(1, header)
    return align_heading_ids("\n".join(parts), toc_ids)


def flat_ids(items):
    for item in items:
        yield item.id
        yield from flat_ids(item.children)


def align_heading_ids(html: str, toc_ids: list[str]) -> str:
    """Give headings the ids of mkdocs-jupyter's table of contents, which slugifies headings
    with inline code differently from nbconvert, so that every TOC link lands."""
    ids = iter(toc_ids)

    def renamed(m):
        new = next(ids, m["id"])
        return m.group(0).replace(f'id="{m["id"]}"', f'id="{new}"').replace(
            f'href="#{m["id"]}"', f'href="#{new}"')

    return re.sub(r'<h[1-6] id="(?P<id>[^"]+)">.*?</h[1-6]>', renamed, html, flags=re.S)


def markdown_cell(rendered) -> str:
    for anchor in rendered.select("a.anchor-link"):
        anchor["class"] = "headerlink"
        anchor["title"] = "Permanent link"
    for pre in rendered.select("div.highlight > pre"):  # a shell block: scrolls as on the page
        if pre.code is None:
            code = rendered.new_tag("code")
            code.extend([c.extract() for c in list(pre.contents)
                         if not (c.name == "span" and not c.get_text())])
            pre.append(code)
    text = rendered.decode_contents()
    text = re.sub(r"\$\$(.+?)\$\$", r'<div class="arithmatex">\\[\1\\]</div>', text, flags=re.S)
    return re.sub(r"(?<![\\\w])\$([^$\n]+?)\$", r'<span class="arithmatex">\\(\1\\)</span>', text)
