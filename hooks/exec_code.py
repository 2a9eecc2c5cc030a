"""MkDocs hook: run each page's code at build time, once, and show what it really prints.

On a page, a fence opened with ```` ```python exec ```` is run; all such blocks of one page run
in order in one fresh namespace, exactly as a reader pasting them into a new interpreter would
(hooks/lessonrun.py: one process per page, pages side by side, cached by content). After each
block (and after its annotation list, if any) the hook inserts what it printed, and the
matplotlib figures it left open as SVG files, one per colour scheme, loaded lazily so they do
not weigh on a page's first load (``alt="..."`` on the fence is their text alternative). In
prose, ``{{ expr | fmt }}`` is replaced by ``format(eval(expr), fmt)`` from the same run, so
quoted numbers cannot drift from the code.

A block that raises or warns, or a placeholder that fails, is a warning, so `mkdocs build
--strict` fails; the page still builds and shows the traceback under the block, so `mkdocs
serve` keeps serving while you fix it. The same run feeds the chapter's notebook and script
(hooks/takeaway.py): nothing runs twice.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from mkdocs.plugins import event_priority

import lessonrun
from lessonrun import (FIGURES, PLOTS, RUN_NOTE, RUNS, SCHEME_INK, explorable_html, figure_html,
                       figure_token, inked)

EXPLORABLES: dict[str, dict] = {}  # token -> {kind, data, figures}: this build's explorables

log = logging.getLogger("mkdocs.hooks.exec_code")


def cache_dir(config) -> Path:
    root = os.environ.get("LINREG_BUILD_CACHE") or Path(config.config_file_path).parent / ".cache"
    return Path(root) / "exec"


def snippets_config(config) -> dict:
    return dict(config.mdx_configs.get("pymdownx.snippets", {}))


# ---------------------------------------------------------------------------------------------
# MkDocs events
# ---------------------------------------------------------------------------------------------


_KEYS: dict[str, str] = {}  # each page's run key at the previous build (mkdocs serve)


def on_startup(command, dirty):
    """`make serve` rebuilds only what changed (--dirty): MkDocs then warns at every rebuild
    that navigation may be stale, which this site's explicit nav titles make untrue."""
    if command == "serve" and dirty:
        logging.getLogger("mkdocs.commands.build").addFilter(
            lambda record: "A 'dirty' build is being performed" not in record.getMessage())


def on_pre_build(config):
    FIGURES.clear()  # mkdocs serve: write only the figures of the pages as they are now
    EXPLORABLES.clear()


@event_priority(110)  # first: the notebooks (hooks/takeaway.py) are made from these runs
def on_files(files, config):
    """Run the code of every page that has some, all pages at once, before any is rendered."""
    RUNS.clear()
    pages = []
    for file in files.documentation_pages():
        if file.src_uri.endswith(".md"):
            pages.append(lessonrun.prepare(file.src_uri, strip_meta(file.content_string),
                                           snippets_config(config)))
    runs = lessonrun.run_pages([p for p in pages if p.runs], cache_dir(config))
    for page in pages:
        if page.runs:
            RUNS[page.src_uri] = (page, runs[page.src_uri])
    for file in files.documentation_pages():  # a dirty rebuild must redo a page whose code or
        if file.src_uri in RUNS:  # snippets changed, though its Markdown did not
            key = RUNS[file.src_uri][0].key()
            if _KEYS.get(file.src_uri, key) != key:
                file.is_modified = lambda: True
            _KEYS[file.src_uri] = key
    return files


def on_page_markdown(markdown, page, config, files):
    prepared, result = run_of(page.file.src_uri, markdown, config)
    if prepared is None:
        return markdown
    for message in result["problems"]:
        log.warning("%s: %s", page.file.src_uri, message)
    lines = lessonrun.substitute(prepared, result["values"])
    lines = insert_outputs(lines, prepared.blocks, result["blocks"])
    if prepared.blocks:
        lines = insert_run_note(lines, result)
    return "\n".join(lines)


def run_of(src_uri, markdown, config):
    """The page as prepared and run in on_files, or prepared and run now if its Markdown is
    not the one seen then (a plugin changed it)."""
    if src_uri in RUNS and RUNS[src_uri][0].lines == lessonrun.prepare(
            src_uri, markdown, snippets_config(config)).lines:
        return RUNS[src_uri]
    prepared = lessonrun.prepare(src_uri, markdown, snippets_config(config))
    if not prepared.runs:
        return None, None
    RUNS[src_uri] = prepared, lessonrun.run_pages([prepared], cache_dir(config))[src_uri]
    return RUNS[src_uri]


def on_page_content(html, page, config, files):
    """Swap figure placeholders (plain paragraphs) for the figures' images."""
    up = "../" * page.url.count("/")
    for token in set(re.findall(r"<p>(EXECFIGURE\w+)</p>", html)):
        html = html.replace(f"<p>{token}</p>", figure_html(token, up))
    for token in set(re.findall(r"<p>(EXECEXPLORE\w+)</p>", html)):
        explorable = EXPLORABLES[token]
        figures = "".join(figure_html(t, up) for t in explorable["figures"])
        html = html.replace(f"<p>{token}</p>",
                            explorable_html(explorable["kind"], explorable["data"], figures))
    return html


def on_post_build(config):
    """Write each figure once per colour scheme, with that scheme's text colour."""
    folder = Path(config.site_dir) / PLOTS
    folder.mkdir(parents=True, exist_ok=True)
    for token, figure in FIGURES.items():
        for scheme in SCHEME_INK:
            (folder / f"{token}-{scheme}.svg").write_text(inked(figure["svg"], scheme),
                                                          encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Writing the page
# ---------------------------------------------------------------------------------------------


def strip_meta(markdown: str) -> str:
    """The Markdown MkDocs hands to on_page_markdown: without YAML front matter."""
    from mkdocs.utils.meta import get_data

    return get_data(markdown)[0]


def insert_outputs(lines, blocks, results) -> list[str]:
    """Strip the hook's options from each fence and put the block's output (and plots) after
    it, or after its annotation list, which Material wants right under the code."""
    out, pos = [], 0
    for block, result in zip(blocks, results):
        out += lines[pos:block.start]
        opening = lessonrun.FENCE.match(lines[block.start])
        options = lessonrun.EXEC_INFO.match(opening["info"])["opts"]
        kept = [o.group(0) for o in lessonrun.OPTION.finditer(options)
                if o["key"] not in {"exec", "alt", "explore", "data"}]
        out.append(f"{block.indent}{opening['fence']}python {' '.join(kept)}".rstrip())
        out += lines[block.start + 1:block.end + 1]
        pos = lessonrun.annotation_list_end(lines, block.end + 1, block.indent)
        out += lines[block.end + 1:pos]
        out += output_fence(result["output"], block.indent, result.get("error", False))
        tokens = [figure_token(figure) for figure in result["figures"]]
        if result.get("explore"):  # one token stands for the explorable and its figures
            token = f"EXECEXPLORE{len(EXPLORABLES)}x{tokens[0] if tokens else ''}"
            EXPLORABLES[token] = {**result["explore"], "figures": tokens}
            tokens = [token]
        out += [line for t in tokens for line in ("", f"{block.indent}{t}", "")]
    return out + lines[pos:]


def output_fence(text: str, indent: str, error: bool = False) -> list[str]:
    if not text:
        return []
    ticks = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
    body = [f"{indent}{line}" if line else "" for line in text.rstrip("\n").split("\n")]
    attrs = ('.text .exec-output .exec-error title="Error: this block raised"' if error
             else '.text .exec-output title="Output"')
    return ["", f"{indent}{ticks} {{ {attrs} }}", *body, f"{indent}{ticks}", ""]


def insert_run_note(lines, result) -> list[str]:
    """Say under the title what produced the outputs (hooks/takeaway.py adds the downloads)."""
    note = (f"Every output on this page was printed by its code, run when the site was built "
            f"(torch {result['torch']}, device **{result['device']}**). On another device most "
            "numbers agree to the digits shown, give or take one in the last place; those that "
            "measure rounding error or time differ.")
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
    return lines[:title + 1] + ["", note, RUN_NOTE, ""] + lines[title + 1:]
