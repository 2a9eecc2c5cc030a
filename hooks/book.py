"""MkDocs hook: the whole book on one page, `book/`, for reading offline and printing to PDF.

Every chapter of the nav (and the pages after them: where next, notation) in order, each as
its page shows it: typeset math, figures, outputs, explorables. Ids and links are rewritten
so that each chapter's anchors stay unique and a link to another chapter jumps within the
book; everything else keeps working as is, since the book sits at the same depth as the
chapters. Images load at once (a lazily loaded image may be missing from a printout), and a
printed book starts every chapter on a new page.

mkdocs-print-site-plugin does the same in general, but its id rewriting is quadratic in a
page's length (seconds per build on these KaTeX-heavy pages) and it adds its stylesheets and
script to every page of the site; this site's pages are regular enough for these few lines.
"""

from __future__ import annotations

import re

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.structure.toc import get_toc

BOOK = "book.md"
TITLE = "The whole book"
CONTENT: dict[str, str] = {}  # src_uri -> the page's final HTML (kept across serve rebuilds)
ORDER: list[tuple[str, str]] = []  # (src_uri, url) of the pages in the book, in nav order


def on_files(files, config):
    files.append(File.generated(config, BOOK, content=(
        f"# {TITLE}\n\nEvery chapter on one page, to read offline or to print: your browser's "
        "*Print* makes a PDF of the whole course, one chapter after another.\n")))
    return files


def on_nav(nav, config, files):
    ORDER.clear()
    for page in nav.pages:
        uri = page.file.src_uri
        if uri not in (BOOK, "index.md") and not uri.startswith("notebooks/"):
            ORDER.append((uri, page.file.url))
    return nav


@event_priority(-100)  # last: the page as the reader gets it
def on_page_content(html, page, config, files):
    if page.file.src_uri == BOOK:
        page.meta["search"] = {"exclude": True}  # its chapters are in the index already
    elif any(uri == page.file.src_uri for uri, _ in ORDER):
        CONTENT[page.file.src_uri] = html
    return html


def on_page_context(context, page, config, nav):
    """Every page's content exists by now: MkDocs renders them all before any template."""
    if page.file.src_uri != BOOK:
        return context
    urls = {url.rstrip("/"): slug(uri) for uri, url in ORDER}
    parts, tokens = [page.content], []
    for uri, _ in ORDER:
        html = CONTENT.get(uri, "")
        key = slug(uri)
        title = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        name = re.sub(r"<[^>]+>|¶", "", title[1]).strip() if title else uri
        html = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{key}-{m[1]}"', html)
        html = re.sub(r'\b(for|name)="([^"]+)"', lambda m: f'{m[1]}="{key}-{m[2]}"', html)
        html = re.sub(r'href="#([^"]*)"', lambda m: f'href="#{key}-{m[1]}"', html)
        html = re.sub(r'href="\.\./([^"#]*?)/?(?:#([^"]*))?"',
                      lambda m: within(m, urls), html)
        html = re.sub(r'(<img\b[^>]*?)\s+loading="lazy"', r"\1", html)
        parts.append(f'<section class="book-chapter" id="{key}">{html}</section>')
        tokens.append({"level": 1, "id": key, "name": name, "children": []})
    page.content = "\n".join(parts)
    page.toc = get_toc(tokens)
    return context


def slug(uri: str) -> str:
    return uri.removesuffix(".md").replace("/", "-")


def within(m, urls) -> str:
    """A link to a page of the book becomes a jump inside it; any other link is kept."""
    target, anchor = m[1], m[2]
    if target not in urls:
        return m[0]
    key = urls[target]
    return f'href="#{key}-{anchor}"' if anchor else f'href="#{key}"'
