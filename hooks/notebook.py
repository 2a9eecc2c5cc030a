"""MkDocs hook: the hand-written lesson as a Jupyter notebook, generated from the chapters' code.

The notebook is assembled at every build from the chapters of the nav section named in
NOTEBOOK_SECTION, so it cannot drift from them:

- first, one code cell per section of `snippets/linreg.py` (the lesson's shared code and its
  data), so the notebook needs nothing but `pip install torch numpy`;
- then, chapter by chapter, a markdown cell with the chapter's title, and for every
  ```` ```python exec ```` block of the page, the headings and display formulas that precede it
  (as markdown) and exactly the code the block shows (as a code cell). Blocks that only repeat
  `linreg.py` (the Setup blocks) and exercise solutions are left out.

mkdocs-jupyter renders it as the page `lesson.ipynb`, executes it at build (`allow_errors:
false`) and ships the file for download. This hook also slims that page: the ~570 KB of inline
JupyterLab CSS and the MathJax loader are replaced by `assets/notebook.css` and the site's
build-time KaTeX (hooks/katex.py).
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

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SECTION = "The hand-written model"
NOTEBOOK_URI = "lesson.ipynb"
LINREG_SECTION = re.compile(r"# --8<-- \[start:(?P<name>[\w-]+)\]\n(?P<code>.*?)# --8<-- \[end:(?P=name)\]", re.S)


def cache_root(config) -> Path:
    return Path(os.environ.get("LINREG_BUILD_CACHE") or Path(config.config_file_path).parent / ".cache")


def on_config(config):
    """Keep mkdocs-jupyter's execution cache beside ours (one place, one override)."""
    config.plugins["mkdocs-jupyter"].config["cache_dir"] = str(cache_root(config) / "mkdocs-jupyter")
    return config


@event_priority(100)  # before mkdocs-jupyter turns notebook files into pages
def on_files(files, config):
    notebook = build_notebook(config)
    path = cache_root(config) / "notebook" / NOTEBOOK_URI
    text = nbformat.writes(notebook) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # A plain File with src_dir, not File.generated: mkdocs-jupyter's NotebookFile wrapper
    # reads the path through src_dir.
    files.append(File(NOTEBOOK_URI, src_dir=str(path.parent), dest_dir=config.site_dir,
                      use_directory_urls=config.use_directory_urls))
    return files


@event_priority(50)  # before hooks/katex.py typesets the math this produces
def on_page_content(html, page, config, files):
    """Re-express nbconvert's JupyterLab markup in the site's own: code cells become the same
    highlighted, copyable blocks as on every page, outputs the same "Output" blocks, markdown
    cells plain HTML with math for hooks/katex.py. This drops ~570 KB of inline JupyterLab CSS,
    an empty-src MathJax loader and a mermaid loader the lesson does not use."""
    if page.file.src_uri != NOTEBOOK_URI:
        return html
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
    parts.insert(1, DOWNLOAD)  # right under the title
    return align_heading_ids("\n".join(parts), page.toc)


def align_heading_ids(html: str, toc) -> str:
    """Give headings the ids of mkdocs-jupyter's table of contents, which slugifies headings
    with inline code differently from nbconvert, so that every TOC link lands."""
    def flat(items):
        for item in items:
            yield item.id
            yield from flat(item.children)

    ids = iter(list(flat(toc)))

    def renamed(m):
        new = next(ids, m["id"])
        return m.group(0).replace(f'id="{m["id"]}"', f'id="{new}"').replace(
            f'href="#{m["id"]}"', f'href="#{new}"')

    return re.sub(r'<h[1-6] id="(?P<id>[^"]+)">.*?</h[1-6]>', renamed, html, flags=re.S)


DOWNLOAD = (
    f'<p class="notebook-download"><a href="{NOTEBOOK_URI}" download class="md-button '
    f'md-button--primary">Download {NOTEBOOK_URI}</a> It runs top to bottom in Jupyter, Colab or '
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


def chapters(config) -> list[Path]:
    section = next(item[NOTEBOOK_SECTION] for item in config.nav
                   if isinstance(item, dict) and NOTEBOOK_SECTION in item)
    return [Path(config.docs_dir) / entry for entry in section]


def linreg_cells() -> list[str]:
    source = (ROOT / "snippets" / "linreg.py").read_text(encoding="utf-8")
    return [m["code"].strip("\n") for m in LINREG_SECTION.finditer(source)]


def notebook_code(code: str) -> str:
    """A cell holds what the page's copy button gives: the block's code without annotations."""
    return "\n".join(ANNOTATION.sub("", line).rstrip() for line in code.split("\n")).strip("\n")


def build_notebook(config) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(
        f"# {config.site_name}: the hand-written lesson\n\n"
        "Every chapter of the hand-written part of the lesson, as one notebook generated from the "
        "same code the pages show. It needs only `pip install torch numpy`; run it top to bottom.\n\n"
        "The first cells hold the lesson's shared code and data (`linreg.py`)."
    )]
    cells += [nbformat.v4.new_code_cell(code) for code in linreg_cells()]
    for chapter in chapters(config):
        raw = chapter.read_text(encoding="utf-8")
        lines = expand_snippets(raw, config).split("\n")
        raw_blocks = find_exec_blocks(raw.split("\n"))
        blocks = find_exec_blocks(lines)
        title = next(line[2:] for line in lines if line.startswith("# "))
        pending = [f"## {title}"]
        cursor = 0
        for raw_block, block in zip(raw_blocks, blocks):
            pending += markdown_between(lines, cursor, block.start)
            cursor = block.end + 1
            sources = {m.split(":")[0] for m in re.findall(r'--8<--\s+"([^"]+)"', raw_block.code)}
            if sources <= {"linreg.py"} or any(s.endswith("_exercises.py") for s in sources):
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
            found.append("#" + m["heading"])
        elif "{{" not in m["tex"]:
            found.append(f"$$\n{m['tex']}\n$$")
    return found
