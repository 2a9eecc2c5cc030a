"""The chapter notebooks' pages, rendered straight from each notebook in the site's markup.

mkdocs-jupyter turns a notebook into a page with nbconvert's full HTML exporter: a Jinja
template compiled afresh for every notebook, JupyterLab's markup with ~570 KB of inline CSS, and
a second conversion to Markdown for the table of contents: about 1.5 s a notebook, 20 s of a
cold build on 2 cores, for markup this site then replaced. Here each cell goes through the
same two pieces nbconvert would use on it, and nothing else:

- a Markdown cell through nbconvert's own Markdown renderer (mistune, math left alone), then
  into the site's markup: permalinks as on every page, math as the spans hooks/katex.py
  typesets;
- a code cell through Pygments, into the same highlighted, copyable block as on every page;
  what it printed into the same "Output" block, and its figures as on the chapter's page.

The table of contents is read off the rendered headings, with Python-Markdown's slugs, as
mkdocs-jupyter makes it. hooks/takeaway.py hands the result to mkdocs-jupyter's page in place
of its own rendering; mkdocs-jupyter still makes the page and ships the .ipynb beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from html import escape, unescape
from pathlib import Path


def page_cache(cache_dir: Path, notebook: Path, figures: list[list[str]], header: str) -> Path:
    """Where the rendered page of this notebook, with these figures and header, is kept."""
    facts = [notebook.read_text(encoding="utf-8"), figures, header,
             Path(__file__).read_text(encoding="utf-8")]
    return cache_dir / f"{hashlib.sha256(json.dumps(facts).encode()).hexdigest()}.json"


def cached_page(notebook: Path, figures: list[list[str]], header: str, cache: Path) -> dict:
    """{"content": html, "toc_tokens": [...]}: from the cache, or rendered now and kept."""
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    made = render(json.loads(notebook.read_text(encoding="utf-8")), figures, header)
    write(cache, json.dumps(made))
    return made


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(f"{path}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)  # atomic: a parallel build never reads half a file


# ---------------------------------------------------------------------------------------------
# A notebook -> the page's content
# ---------------------------------------------------------------------------------------------


def render(notebook: dict, figures: list[list[str]], header: str) -> dict:
    """The page's content and its table of contents. `figures` holds, per code cell, the HTML
    of the figures it drew; `header` goes right under the first cell (the title)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    language = notebook.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    lexer, formatter = get_lexer_by_name(language), HtmlFormatter(nowrap=True)
    parts, code_cells = [], 0
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            html = MarkdownWithMath(renderer=IPythonRenderer(escape=False)).render(source)
            parts.append(markdown_cell(html))
            continue
        code = highlight(source, lexer, formatter).rstrip("\n")
        parts.append(f'<div class="language-python highlight"><pre><span></span><code>'
                     f"{code}\n</code></pre></div>")
        printed = "".join("".join(o["text"]) for o in cell.get("outputs", [])
                          if o["output_type"] == "stream")
        if printed:
            parts.append('<div class="exec-output" data-search-exclude><span class="filename">'
                         f"Output</span><pre><samp>{escape(printed.rstrip())}</samp></pre></div>")
        parts += figures[code_cells] if code_cells < len(figures) else []
        code_cells += 1
    parts.insert(1, header)
    return with_toc("\n".join(parts))


HEADING = re.compile(r'<h(?P<level>[1-6]) id="(?P<id>[^"]*)">(?P<inner>.*?)</h(?P=level)>', re.S)


def with_toc(html: str) -> dict:
    """Give the headings the ids Python-Markdown's table of contents gives them (unique, as
    mkdocs-jupyter's TOC has them, so every TOC link lands) and return that TOC."""
    from markdown.extensions.toc import slugify, unique

    used: set[str] = set()
    flat = []

    def renamed(m):
        inner = re.sub(r'<a class="headerlink".*?</a>', "", m["inner"], flags=re.S)
        text = unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        new = unique(slugify(text, "-"), used)
        flat.append({"level": int(m["level"]), "id": new, "name": escape(text, quote=False),
                     "children": []})
        return m.group(0).replace(f'id="{m["id"]}"', f'id="{new}"', 1).replace(
            f'href="#{m["id"]}"', f'href="#{new}"', 1)

    html = HEADING.sub(renamed, html)
    tokens, stack = [], []
    for token in flat:
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else tokens).append(token)
        stack.append(token)
    return {"content": html, "toc_tokens": tokens}


def markdown_cell(html: str) -> str:
    """A rendered Markdown cell in the site's markup: permalinks, code, math."""
    html = re.sub(r'<a class="anchor-link" href="([^"]*)">',
                  r'<a class="headerlink" href="\1" title="Permanent link">', html)
    # a shell block: <pre> of spans, its text in <code> so that it scrolls as on the page
    html = re.sub(r'(<div class="highlight"><pre>(?:<span></span>)?)(?!<code>)(.*?)(</pre>)',
                  r"\1<code>\2</code>\3", html, flags=re.S)
    html = re.sub(r"\$\$(.+?)\$\$", r'<div class="arithmatex">\\[\1\\]</div>', html, flags=re.S)
    return re.sub(r"(?<![\\\w])\$([^$\n]+?)\$", r'<span class="arithmatex">\\(\1\\)</span>', html)
