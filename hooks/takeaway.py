"""MkDocs hook: every chapter as a notebook and as one script, made from the page's own run.

For each chapter (`docs/NN-topic.md`), after hooks/exec_code.py has run its code:

- `notebooks/NN-topic.ipynb`: the chapter itself, prose and formulas as Markdown cells, its
  code as code cells holding the outputs of the build's run (it reads like the page before
  anyone runs it). Exercise solutions stay collapsed, as on the page. mkdocs-jupyter renders
  it as a page (`execute: false`: its code already ran once, for the chapter), rendered by
  hooks/notebook_render.py in the site's own markup.
- `code/NN-topic.py`: the chapter's code as one script that runs alone, Setup included, with
  cell markers (`# %%`) that editors such as VS Code run cell by cell.

Both are generated from the page at every build, so neither can drift from it. Each chapter's
run note links them; with a repository configured (`extra.repository` in mkdocs.yml, set by
`$LINREG_REPOSITORY`), chapter and notebook pages also link their source and Colab. A page
lists them all (Notebooks).
"""

from __future__ import annotations

import logging
import os
import re
import textwrap
import types
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.structure.toc import get_toc

import lessonrun
import notebook_render
from lessonrun import RUN_NOTE, RUNS, figure_html, figure_token

NOTEBOOK_DIR = "notebooks"
CODE_DIR = "code"
CHAPTER = re.compile(r"^\d\d-[\w-]+\.md$")
MIN_TORCH = "2.2"  # the oldest torch whose API the chapters use (torch.unravel_index)
ADMONITION = re.compile(r'^(?P<indent>[ \t]*)(?P<kind>!!!|\?\?\?\+?)[ \t]+(?P<type>[\w-]+)'
                        r'(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$')
TAB = re.compile(r'^(?P<indent>[ \t]*)===\+?[ \t]+"(?P<title>[^"]*)"[ \t]*$')
ATTR_LINE = re.compile(r"^[ \t]*\{:?[ \t]*[.#][^}]*\}[ \t]*$")
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
CHAPTERS: dict[str, dict] = {}  # src_uri -> what was made for it this build


def cache_root(config) -> Path:
    return Path(os.environ.get("LINREG_BUILD_CACHE") or Path(config.config_file_path).parent / ".cache")


def published(config) -> str:
    """Where the site is published, for links from notebooks and scripts."""
    return config.extra.get("published_url") or config.site_url or ""


def public(config) -> str:
    """The published address, or "" for a local build: a downloaded file gets no dead link."""
    url = published(config)
    return "" if urlsplit(url).hostname in (None, "127.0.0.1", "localhost") else url


def stem(src_uri: str) -> str:
    return Path(src_uri).stem


def topic_title(page: lessonrun.Page) -> str:
    return next((line[2:].strip() for line in page.lines if line.startswith("# ")), page.src_uri)


# ---------------------------------------------------------------------------------------------
# MkDocs events
# ---------------------------------------------------------------------------------------------


def on_config(config):
    """Keep mkdocs-jupyter quiet; list the notebooks in the nav."""
    for name in ("mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter"):  # "Copied ..."
        logging.getLogger(name).setLevel(logging.WARNING)
    config.nav.append({"Notebooks": f"{NOTEBOOK_DIR}/index.md"})
    return config


@event_priority(100)  # after exec_code has run the pages, before mkdocs-jupyter takes the files
def on_files(files, config):
    CHAPTERS.clear()
    folder = cache_root(config) / "notebook"
    for src_uri, (page, result) in sorted(RUNS.items()):
        if not CHAPTER.match(src_uri) or not page.blocks:
            continue
        name = stem(src_uri)
        notebook, figures = build_notebook(page, result, config)
        text = nbformat.writes(notebook) + "\n"
        path = folder / NOTEBOOK_DIR / f"{name}.ipynb"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)  # atomic: a parallel build never reads half a notebook
        # A plain File with src_dir, not File.generated: mkdocs-jupyter's NotebookFile
        # wrapper reads the path through src_dir.
        files.append(File(f"{NOTEBOOK_DIR}/{name}.ipynb", src_dir=str(folder),
                          dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls))
        files.append(File.generated(config, f"{CODE_DIR}/{name}.py",
                                    content=build_script(page, result, config)))
        up = "../../"  # from a notebook's page, notebooks/<name>/, to the site root
        made = {"name": name, "title": topic_title(page), "notebook": str(path),
                "figures": [[figure_html(t, up) for t in cell] for cell in figures],
                "header": notebook_header(name, up, remote_links(config, src_uri, name))}
        made["page_cache"] = str(notebook_render.page_cache(
            folder / "pages", path, made["figures"], made["header"]))
        CHAPTERS[src_uri] = made
    files.append(File.generated(config, f"{CODE_DIR}/linreg.py", content=shared_module(config)))
    files.append(File.generated(config, f"{NOTEBOOK_DIR}/index.md", content=index_page(config)))
    return files


def on_page_markdown(markdown, page, config, files):
    """Extend a chapter's run note with its notebook, script, source and Colab."""
    made = CHAPTERS.get(page.file.src_uri)
    if made is None:
        return markdown
    name, up = made["name"], "../" * page.url.count("/")
    links = [f"[the notebook]({NOTEBOOK_DIR}/{name}.ipynb)",  # a page: MkDocs checks the link
             f'<a href="{up}{NOTEBOOK_DIR}/{name}/{name}.ipynb" download><code>{name}.ipynb</code></a>',
             f'<a href="{up}{CODE_DIR}/{name}.py" download><code>{name}.py</code></a>']
    remote = remote_links(config, page.file.src_uri, name)
    links += [f"[{label}]({url})" for label, url in remote]
    text = f" Take the code with you: {', '.join(links)}."
    return markdown.replace(f"\n{RUN_NOTE}\n", f"{text}\n{RUN_NOTE}\n", 1)


def made_for(page) -> dict | None:
    """What this build made for a notebook's page; None for any other page."""
    if not (page.file.src_uri.startswith(f"{NOTEBOOK_DIR}/") and page.file.src_uri.endswith(".ipynb")):
        return None
    return next((c for c in CHAPTERS.values() if f"{c['name']}.ipynb" in page.file.src_uri), None)


@event_priority(-100)  # after mkdocs-jupyter has set the page up, with its own render()
def on_pre_page(page, config, files):
    """A notebook's page rendered straight from the notebook, in the site's own markup
    (hooks/notebook_render.py), in place of mkdocs-jupyter's nbconvert rendering."""
    made = made_for(page)
    if made is None:
        return page

    def render(self, config, files):
        done = notebook_render.cached_page(Path(made["notebook"]), made["figures"],
                                           made["header"], Path(made["page_cache"]))
        self.content, self.toc = done["content"], get_toc(done["toc_tokens"])

    page.render = types.MethodType(render, page)
    return page


def on_page_content(html, page, config, files):
    """A notebook's page keeps its chapter's title and stays out of the search index, where its
    chapter already is."""
    made = made_for(page)
    if made is not None:
        page.meta["search"] = {"exclude": True}
        page.title = made["title"]  # "13. Scaling up", not the file name's "13 scaling up"
    return html


def notebook_header(name: str, up: str, remote) -> str:
    """Under a notebook page's title: download it, take the script, open the source or Colab."""
    links = [f'<a href="{name}.ipynb" download class="md-button md-button--primary">'
             f"Download {name}.ipynb</a>",
             f'<a href="{up}{CODE_DIR}/{name}.py" download class="md-button">{name}.py</a>']
    links += [f'<a href="{escape(url)}" class="md-button">{escape(label)}</a>' for label, url in remote]
    return f'<p class="notebook-download">{"".join(links)}</p>'


# ---------------------------------------------------------------------------------------------
# Links to the repository (none without one configured: nothing leaves the site until clicked)
# ---------------------------------------------------------------------------------------------


def remote_links(config, src_uri: str, name: str) -> list[tuple[str, str]]:
    """(label, url) pairs for a chapter's source and its notebook in Colab; [] when
    `extra.repository` is empty. Colab opens notebooks from GitHub: they must be published at
    `notebooks/<name>/<name>.ipynb` on the branch `extra.notebooks_branch` (where
    `mkdocs gh-deploy` puts the site)."""
    extra = config.extra
    repository = (extra.get("repository") or "").strip().rstrip("/")
    if not repository:
        return []
    parts = urlsplit(repository if "//" in repository else f"https://github.com/{repository}")
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    links = [("source", f"{base}/blob/{extra.get('source_branch', 'main')}/docs/{src_uri}")]
    if parts.netloc == "github.com":
        slug = parts.path.strip("/")
        links.append(("Open in Colab", f"https://colab.research.google.com/github/{slug}/blob/"
                      f"{extra.get('notebooks_branch', 'gh-pages')}/{NOTEBOOK_DIR}/{name}/{name}.ipynb"))
    return links


# ---------------------------------------------------------------------------------------------
# From a page to Jupyter's Markdown
# ---------------------------------------------------------------------------------------------


def flatten(lines: list[str], config) -> tuple[list[str], dict[int, str]]:
    """Material's constructs in plain Markdown, line for line (block positions stay valid):
    an admonition becomes a bold title (collapsed ones with no code: <details>), a tab a bold
    title, attribute lines vanish, links to chapters point to their notebooks. Also returns the
    kind of admonition each line sits in ('solution' for exercise solutions)."""
    out, where = list(lines), {}
    stack: list[tuple[int, str, str | None]] = []  # (indent width, type, closing html)
    fenced, openers = set(), set()
    for start, end, *_ in lessonrun.fences(lines):
        fenced.update(range(start + 1, end + 1))
        openers.add(start)
    for i, line in enumerate(lines):
        width = len(line) - len(line.lstrip()) if line.strip() else None
        while stack and i not in fenced and width is not None and width <= stack[-1][0]:
            _, _, closing = stack.pop()
            if closing:
                out[i - 1] = out[i - 1] + f"\n\n{closing}" if out[i - 1].strip() else closing
        depth = 4 * len(stack)
        text = line[depth:] if line[:depth].strip() == "" else line.lstrip()
        if i in fenced or i in openers:
            out[i] = text
            if stack:
                where[i] = stack[-1][1]
            continue
        admonition, tab = ADMONITION.match(line), TAB.match(line)
        if admonition:
            kind, title = admonition["type"], admonition["title"] or admonition["type"].title()
            has_code = any(j in fenced for j in _body(lines, i, len(admonition["indent"])))
            lead = text[:len(text) - len(text.lstrip())]  # inside a list item, say
            if admonition["kind"].startswith("???") and not has_code:
                out[i] = f"{lead}<details><summary>{escape(title)}</summary>\n"
                closing = f"{lead}</details>"
            else:
                out[i] = f"{lead}**{title}**"
                closing = None
            stack.append((len(admonition["indent"]), "solution" if kind == "success" else kind, closing))
        elif tab:
            out[i] = f"**{tab['title']}**"
            stack.append((len(tab["indent"]), "tab", None))
        elif ATTR_LINE.match(line):
            out[i] = ""
        else:
            out[i] = LINK.sub(lambda m: f"]({link_target(m['target'], config)})", text)
    if stack and any(closing for *_, closing in stack):
        out[-1] += "".join(f"\n\n{c}" for *_, c in reversed(stack) if c)
    return out, where


def _body(lines, i, indent):
    """Line indexes of the indented body that follows line i."""
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
        yield j
        j += 1


def link_target(target: str, config) -> str:
    """A link as it must read in a notebook, wherever it is opened: to the site, for pages and
    the site's files alike; absolute addresses and anchors unchanged."""
    if re.match(r"^[a-z]+:|^#", target):
        return target
    path, _, anchor = target.partition("#")
    anchor = f"#{anchor}" if anchor else ""
    if path.endswith(".md"):
        page = path[:-3]
        page = "" if page == "index" else page.removesuffix("/index") + "/"
        return f"{published(config)}{page}{anchor}"
    return f"{published(config)}{path}{anchor}"  # a file of the site, such as code/linreg.py


def segments(page: lessonrun.Page, lines: list[str]):
    """Yield ("md", text) and ("code", block index, annotation text) in page order."""
    cursor = 0
    for n, block in enumerate(page.blocks):
        yield "md", "\n".join(lines[cursor:block.start])
        end = lessonrun.annotation_list_end(lines, block.end + 1, "")
        notes = "\n".join(lines[block.end + 1:end]) if end > block.end + 1 else ""
        yield "code", n, notes
        cursor = max(end, block.end + 1)
    yield "md", "\n".join(lines[cursor:])


def tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def build_notebook(page: lessonrun.Page, result: dict, config):
    """The chapter as a notebook, with the build's outputs; and the figure tokens per code cell."""
    lines, where = flatten(lessonrun.substitute(page, result["values"]), config)
    title = topic_title(page)
    cells = [nbformat.v4.new_markdown_cell(
        f"# {title}\n\n"
        f"A chapter of *{config.site_name}*, as a notebook made from its page"
        + (f" ([on the site]({public(config)}{stem(page.src_uri)}/))" if public(config) else "")
        + ". Every output below was "
        f"printed when the site was built (torch {result['torch']}, device {result['device']}); "
        f"run it top to bottom to print them again. It needs Python 3.10 or newer, "
        f"torch {MIN_TORCH} or newer and NumPy"
        + (", and matplotlib for the figures" if any(r["figures"] for r in result["blocks"]) else "")
        + ": `pip install " + " ".join(requirements(result)) + "`.")]
    figures: list[list[str]] = []
    for kind, *rest in segments(page, lines):
        if kind == "md":
            text = tidy(re.sub(r"^# .*$", "", rest[0], count=1, flags=re.M)
                        if len(cells) == 1 else rest[0])
            if text:
                cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        n, notes = rest
        block, run = page.blocks[n], result["blocks"][n]
        cell = nbformat.v4.new_code_cell(cell_source(block))
        if run["output"]:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=run["output"]))
        for figure in run["figures"]:
            cell.outputs.append(nbformat.v4.new_output(
                "display_data", data={"image/svg+xml": lessonrun.inked(figure["svg"], "light"),
                                      "text/plain": f"<Figure: {figure['alt']}>"}))
        if where.get(block.start) == "solution":
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["tags"] = ["solution"]
        cells.append(cell)
        figures.append([figure_token(f) for f in run["figures"]])
        if notes.strip():
            cells.append(nbformat.v4.new_markdown_cell(
                "Notes on the code above, by the numbers in its comments:\n\n" + tidy(notes)))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    for n, cell in enumerate(notebook.cells):  # stable ids: the same notebook at every build
        cell["id"] = f"cell-{n:03d}"
        if cell.cell_type == "code":
            cell["execution_count"] = None
    return notebook, figures


def shared_module(config) -> str:
    """snippets/linreg.py as a reader downloads it: no snippet markers, plain comments."""
    source = Path(config.config_file_path).parent / "snippets" / "linreg.py"
    code = "\n".join(line for line in source.read_text(encoding="utf-8").split("\n")
                     if "--8<--" not in line)
    return re.sub(r"\n{3,}(?=\S)", "\n\n\n", plain_comments(code))


def plain_comments(code: str) -> str:
    """Code with its annotation markers as plain numbered comments."""
    return "\n".join(lessonrun.ANNOTATION.sub(lambda m: f"  # ({m['n']})", line).rstrip()
                     for line in code.split("\n"))


def cell_source(block: lessonrun.Block) -> str:
    return plain_comments(block.code)


def requirements(result: dict) -> list[str]:
    return ["torch", "numpy"] + (["matplotlib"] if any(r["figures"] for r in result["blocks"]) else [])


# ---------------------------------------------------------------------------------------------
# The script
# ---------------------------------------------------------------------------------------------


def build_script(page: lessonrun.Page, result: dict, config) -> str:
    """The chapter's code as one file that runs alone and prints what the page prints."""
    name, title = stem(page.src_uri), topic_title(page)
    plots = any(r["figures"] for r in result["blocks"])
    doc = (f"{title}: the code of this chapter of {config.site_name}, as one script.\n\n"
           "Made from the same code as the page"
           + (f" ({public(config)}{name}/)" if public(config) else "") + ", Setup "
           f"included; it prints what the page prints. It needs Python 3.10 or newer, torch "
           f"{MIN_TORCH} or newer and NumPy" + (" (and matplotlib: the figures are saved as "
                                                f"{name}-1.svg, ...)" if plots else "")
           + f".\n\n    pip install {' '.join(requirements(result))}\n    python {name}.py\n")
    parts = ['"""' + "\n".join(textwrap.fill(p, 76) if not p.startswith("    ") else p
                               for p in doc.split("\n")) + '"""']
    heading, figure_count = None, 0
    lines, where = flatten(page.lines, config)
    for kind, *rest in segments(page, lines):
        if kind == "md":
            found = re.findall(r"^#{1,3} (.+)$|^\*\*(.+)\*\*$", rest[0], re.M)
            if found:
                heading = next(h or s for h, s in reversed(found))
            continue
        n, _ = rest
        block, run = page.blocks[n], result["blocks"][n]
        code = "\n".join(lessonrun.ANNOTATION.sub("", line).rstrip() for line in block.code.split("\n"))
        label = re.sub(r"[`*]", "", heading or "")
        if run["figures"]:  # a script saves its figures rather than opening a window for each
            code = re.sub(r"\n\s*plt\.show\(\)\s*$", "", code.rstrip())
        parts.append(f"# %% {label}".rstrip() + "\n" + code.strip("\n"))
        for _ in run["figures"]:
            figure_count += 1
            parts[-1] += (f'\nplt.savefig("{name}-{figure_count}.svg")  # the figure the page shows'
                          "\nplt.close()")
        heading = None
    return "\n\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# The Notebooks page and the notebook pages
# ---------------------------------------------------------------------------------------------


def index_page(config) -> str:
    lines = ["# Notebooks and scripts", "",
             "Every chapter as a Jupyter notebook and as one Python script, both made at every "
             "build from the chapter's own code. A notebook holds the chapter itself, text, "
             "formulas and code, with the outputs the site's run printed, so it reads like the "
             "page before you run it; run it top to bottom in Jupyter, Colab or VS Code to print "
             "them again. A script is the same code in one file: `python 04-model.py` in an "
             "empty folder prints what the page prints. Each needs only `pip install torch "
             "numpy` (and matplotlib where a chapter draws figures).", "",
             "| chapter | notebook | download | script |", "| --- | --- | --- | --- |"]
    for src_uri, made in sorted(CHAPTERS.items()):
        name = made["name"]
        lines.append(f"| [{made['title']}](../{src_uri}) | [read it]({name}.ipynb) | "
                     f'<a href="{name}/{name}.ipynb" download><code>{name}.ipynb</code></a> | '
                     f'<a href="../{CODE_DIR}/{name}.py" download><code>{name}.py</code></a> |')
    return "\n".join(lines) + "\n"
