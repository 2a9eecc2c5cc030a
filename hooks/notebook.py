"""MkDocs hook: each hand-written chapter as a Jupyter notebook, generated from its own code.

For every chapter of the nav section named in NOTEBOOK_SECTION, a notebook is assembled at
every build, so it cannot drift from the page: a title cell, then for every
```` ```python exec ```` block of the page, in order, the headings and display formulas that
precede it (markdown) and exactly the code the block shows (a code cell; exercise solutions
are left out). A page's blocks, Setup included, are self-sufficient by design (the pasted-code
test), so each notebook needs nothing but `pip install torch numpy` and carries its data.

A generated page, `notebooks/index.md`, lists them in the nav ("Notebooks"). They are
rendered and executed at build by
mkdocs-jupyter (`allow_errors: false`, cached by content) and shipped for download. This hook
re-expresses their pages in the site's own markup: the ~570 KB of inline JupyterLab CSS, an
empty-src MathJax loader and a mermaid loader go; math is typeset by hooks/katex.py. Each
chapter's page links its notebook.
"""

from __future__ import annotations

import os
import re
from html import escape
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from exec_code import ANNOTATION, expand_snippets, fences, find_exec_blocks

NOTEBOOK_SECTION = "The hand-written model"
NOTEBOOK_DIR = "notebooks"


def cache_root(config) -> Path:
    return Path(os.environ.get("LINREG_BUILD_CACHE") or Path(config.config_file_path).parent / ".cache")


def on_config(config):
    """Keep mkdocs-jupyter's execution cache beside ours; list the notebooks in the nav."""
    config.plugins["mkdocs-jupyter"].config["cache_dir"] = str(cache_root(config) / "mkdocs-jupyter")
    config.nav.append({"Notebooks": f"{NOTEBOOK_DIR}/index.md"})
    return config


@event_priority(100)  # before mkdocs-jupyter turns notebook files into pages
def on_files(files, config):
    folder = cache_root(config) / "notebook"
    for chapter in chapters(config):
        path = folder / notebook_uri(chapter)
        text = nbformat.writes(build_notebook(chapter, config)) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)  # atomic: a parallel build never reads half a notebook
        # A plain File with src_dir, not File.generated: mkdocs-jupyter's NotebookFile
        # wrapper reads the path through src_dir.
        files.append(File(notebook_uri(chapter), src_dir=str(folder), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    files.append(File.generated(config, f"{NOTEBOOK_DIR}/index.md", content=index_page(config)))
    return files


def index_page(config) -> str:
    """The Notebooks page: one line per chapter, linking its rendered notebook."""
    lines = ["# Notebooks", "",
             "Each chapter of the hand-written model as a Jupyter notebook, generated at every "
             "build from the same code as the chapter's page and executed then. Every notebook "
             "stands alone: it carries the data and the shared code it needs, and runs top to "
             "bottom in Jupyter, Colab or VS Code after `pip install torch numpy`. Open one to "
             "read it with its outputs, or download it from its page.", ""]
    lines += [f"- [{title(chapter)}]({Path(notebook_uri(chapter)).name}) "
              f"(chapter: [{chapter.stem}](../{chapter.name}))" for chapter in chapters(config)]
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown, page, config, files):
    """Under a chapter's run note, a link to the same code as a notebook."""
    chapter = Path(page.file.src_uri)
    if chapter.parent != Path(".") or chapter.name not in NOTEBOOK_CHAPTERS:
        return markdown
    link = f"[`{Path(notebook_uri(chapter)).name}`]({notebook_uri(chapter)})"
    return markdown.replace("\n{ .exec-note }\n",
                            f" The same code as a notebook: {link}.\n{{ .exec-note }}\n", 1)


@event_priority(50)  # before hooks/katex.py typesets the math this produces
def on_page_content(html, page, config, files):
    """Re-express nbconvert's JupyterLab markup in the site's own: code cells become the same
    highlighted, copyable blocks as on every page, outputs the same "Output" blocks, markdown
    cells plain HTML with math for hooks/katex.py. This drops ~570 KB of inline JupyterLab CSS,
    an empty-src MathJax loader and a mermaid loader the lesson does not use."""
    if not (page.file.src_uri.startswith(f"{NOTEBOOK_DIR}/") and page.file.src_uri.endswith(".ipynb")):
        return html
    key = (html, page.file.src_uri, tuple(flat_ids(page.toc)))
    if key not in _converted:  # mkdocs serve: an unchanged notebook is not parsed again
        _converted.clear() if len(_converted) > 64 else None
        _converted[key] = convert_notebook_page(html, page)
    return _converted[key]


_converted: dict[tuple, str] = {}


def convert_notebook_page(html, page) -> str:
    soup = BeautifulSoup(html, "html.parser")
    parts = []
    for cell in soup.select_one(".jp-Notebook").find_all("div", class_="jp-Cell", recursive=False):
        if "jp-MarkdownCell" in cell["class"]:
            parts.append(markdown_cell(cell.select_one(".jp-RenderedMarkdown")))
            continue
        code = cell.select_one(".highlight-ipynb pre")
        code.span.decompose() if code.span and not code.span.get_text() else None
        parts.append(f'<div class="language-python highlight"><pre><span></span><code>'
                     f'{code.decode_contents()}</code></pre></div>')
        printed = "".join(pre.get_text() for pre in cell.select(".jp-OutputArea-output pre"))
        if printed:
            parts.append('<div class="language-text exec-output highlight"><span class="filename">'
                         f"Output</span><pre><span></span><code>{escape(printed.rstrip())}"
                         "</code></pre></div>")
    name = Path(page.file.src_uri).name
    parts.insert(1, DOWNLOAD.format(name=name))  # right under the title
    return align_heading_ids("\n".join(parts), page.toc)


def flat_ids(items):
    for item in items:
        yield item.id
        yield from flat_ids(item.children)


def align_heading_ids(html: str, toc) -> str:
    """Give headings the ids of mkdocs-jupyter's table of contents, which slugifies headings
    with inline code differently from nbconvert, so that every TOC link lands."""
    ids = iter(list(flat_ids(toc)))

    def renamed(m):
        new = next(ids, m["id"])
        return m.group(0).replace(f'id="{m["id"]}"', f'id="{new}"').replace(
            f'href="#{m["id"]}"', f'href="#{new}"')

    return re.sub(r'<h[1-6] id="(?P<id>[^"]+)">.*?</h[1-6]>', renamed, html, flags=re.S)


DOWNLOAD = (
    '<p class="notebook-download"><a href="{name}" download class="md-button '
    'md-button--primary">Download {name}</a> It runs top to bottom in Jupyter, Colab or '
    "VS Code after <code>pip install torch numpy</code>.</p>"
)


def markdown_cell(rendered) -> str:
    for anchor in rendered.select("a.anchor-link"):
        anchor["class"] = "headerlink"
        anchor["title"] = "Permanent link"
    text = rendered.decode_contents()
    text = re.sub(r"\$\$(.+?)\$\$", r'<div class="arithmatex">\\[\1\\]</div>', text, flags=re.S)
    return re.sub(r"\$([^$\n]+?)\$", r'<span class="arithmatex">\\(\1\\)</span>', text)


# ---------------------------------------------------------------------------------------------


NOTEBOOK_CHAPTERS: set[str] = set()  # file names of the chapters that have a notebook


def chapters(config) -> list[Path]:
    section = next(item[NOTEBOOK_SECTION] for item in config.nav
                   if isinstance(item, dict) and NOTEBOOK_SECTION in item)
    found = [Path(config.docs_dir) / entry for entry in section]
    NOTEBOOK_CHAPTERS.update(p.name for p in found)
    return found


def notebook_uri(chapter: Path) -> str:
    return f"{NOTEBOOK_DIR}/{chapter.stem}.ipynb"


def title(chapter: Path) -> str:
    return next(line[2:].strip() for line in chapter.read_text(encoding="utf-8").splitlines()
                if line.startswith("# "))


def notebook_code(code: str) -> str:
    """A cell holds what the page's copy button gives: the block's code without annotations."""
    return "\n".join(ANNOTATION.sub("", line).rstrip() for line in code.split("\n")).strip("\n")


def build_notebook(chapter: Path, config) -> nbformat.NotebookNode:
    raw = chapter.read_text(encoding="utf-8")
    lines = expand_snippets(raw, config).split("\n")
    cells = [nbformat.v4.new_markdown_cell(
        f"# {title(chapter)}\n\n"
        f"The code of this chapter of *{config.site_name}*, generated from the same snippets "
        "as its page, with the explanations left on the page. It needs only "
        "`pip install torch numpy`: run it top to bottom. The first cell holds the shared code "
        "and data the chapter builds on."
    )]
    pending, cursor = [], 0
    for raw_block, block in zip(find_exec_blocks(raw.split("\n")), find_exec_blocks(lines)):
        pending += markdown_between(lines, cursor, block.start)
        cursor = block.end + 1
        if "_exercises.py" in raw_block.code:
            continue
        if pending:
            cells.append(nbformat.v4.new_markdown_cell("\n\n".join(pending)))
            pending = []
        cells.append(nbformat.v4.new_code_cell(notebook_code(block.code)))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    for n, cell in enumerate(notebook.cells):  # stable ids: the same notebook at every build
        cell["id"] = f"cell-{n:03d}"
    return notebook


def markdown_between(lines, start, end) -> list[str]:
    """The section headings and display formulas (without placeholders) in lines[start:end]."""
    inside_fences = set()
    for s, e, *_ in fences(lines[start:end]):
        inside_fences.update(range(start + s, start + e + 1))
    text = "\n".join(line for i, line in enumerate(lines[start:end], start) if i not in inside_fences)
    found = []
    for m in re.finditer(r"^(?P<heading>#{2,3} [^\n]+)$|^\$\$\n(?P<tex>.*?)\n\$\$$", text, re.S | re.M):
        if m["heading"]:
            found.append(m["heading"])
        elif "{{" not in m["tex"]:
            found.append(f"$$\n{m['tex']}\n$$")
    return found
