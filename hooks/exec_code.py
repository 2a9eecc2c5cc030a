"""MkDocs hook: run each page's code at build time and show what it really prints.

On a page, a fence opened with ```` ```python exec ```` is run; all such blocks of one page run
in order in one fresh namespace, exactly as a reader pasting them into a new interpreter would.
After each block (and after its annotation list, if any) the hook inserts what it printed, and
the matplotlib figures it left open as SVG files, one per colour scheme, loaded lazily so they
do not weigh on a page's first load (``alt="..."`` on the fence is their text alternative).
In prose, ``{{ expr | fmt }}`` is replaced by ``format(eval(expr), fmt)`` from the same run,
so quoted numbers cannot drift from the code.

A block that raises, warns, or a placeholder that fails, logs a warning: `mkdocs build --strict`
fails. Results are cached in `.cache/exec/` (or `$LINREG_BUILD_CACHE/exec/`), keyed by the page's
code, the placeholders, this hook, the torch and Python versions and the forced device, so
unchanged pages are not rerun.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import platform
import re
import sys
import tempfile
import textwrap
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from markdown import Markdown
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.exec_code")

CACHE_FORMAT = "4"  # bump when what is cached changes shape
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
EXEC_INFO = re.compile(r"^\s*(?:python|py)\b(?P<opts>.*)$")
OPTION = re.compile(r'(?P<key>[\w-]+)(?:="(?P<value>[^"]*)")?')
INCLUDE = re.compile(r'--8<--\s+"(?P<file>[^":]+\.py)(?::[\w-]+)?"')
PLACEHOLDER = re.compile(r"\{\{\s*(?P<expr>.+?)\s*(?:\|\s*(?P<fmt>[^{}|]*?)\s*)?\}\}")
ANNOTATION_ITEM = re.compile(r"^(?P<indent>[ \t]*)\d+\.\s")
ANNOTATION = re.compile(r"[ \t]*# \(\d+\)!")  # a code annotation marker, dropped on copy
PLOT_INK = "#010203"  # text and axes colour while drawing; each scheme's file gets its own
SCHEME_INK = {"light": "#212121", "dark": "#e2e4e9"}  # Material's text colour in each scheme
PLOTS = "assets/plots"
FIGURES: dict[str, dict] = {}  # this build's figures: token -> {svg, alt, width, height}


@dataclass
class Block:
    start: int  # index of the opening fence line
    end: int  # index of the closing fence line
    indent: str
    code: str
    opts: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# MkDocs events
# ---------------------------------------------------------------------------------------------


def on_pre_build(config):
    FIGURES.clear()  # mkdocs serve: write only the figures of the pages as they are now


def on_files(files, config):
    """Publish every snippet beside the pages, so a page can link to the whole runnable file."""
    for path in sorted(snippet_dir(config).glob("*.py")):
        files.append(File.generated(config, f"snippets/{path.name}", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    scripts = sorted(set(INCLUDE.findall(markdown)))
    lines = expand_snippets(markdown, config).split("\n")
    blocks = find_exec_blocks(lines)
    prose = prose_lines(lines)
    placeholders = [m.group(0) for i in prose for m in PLACEHOLDER.finditer(lines[i])]
    if not blocks and not placeholders:
        return markdown
    result = cached_run(page.file.src_uri, blocks, placeholders, config)
    for message in result["problems"]:
        log.warning("%s: %s", page.file.src_uri, message)
    for i in prose:
        lines[i] = PLACEHOLDER.sub(lambda m: result["values"].get(m.group(0), m.group(0)), lines[i])
    lines = insert_outputs(lines, blocks, result["blocks"])
    if blocks:
        lines = insert_run_note(lines, result, scripts)
    return "\n".join(lines)


def on_page_content(html, page, config, files):
    """Swap figure placeholders (plain paragraphs) for the figures' images."""
    up = "../" * page.url.count("/")
    for token in set(re.findall(r"<p>(EXECFIGURE\w+)</p>", html)):
        figure, alt = FIGURES[token], escape_attr(FIGURES[token]["alt"])
        images = "".join(
            f'<img src="{up}{PLOTS}/{token}-{scheme}.svg#only-{scheme}" alt="{alt}" '
            f'width="{figure["width"]}" height="{figure["height"]}" loading="lazy">'
            for scheme in SCHEME_INK)
        html = html.replace(f"<p>{token}</p>", f'<figure class="exec-plot">{images}</figure>')
    return html


def on_post_build(config):
    """Write each figure once per colour scheme, with that scheme's text colour."""
    folder = Path(config.site_dir) / PLOTS
    folder.mkdir(parents=True, exist_ok=True)
    for token, figure in FIGURES.items():
        for scheme, ink in SCHEME_INK.items():
            (folder / f"{token}-{scheme}.svg").write_text(figure["svg"].replace(PLOT_INK, ink),
                                                          encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Reading the page
# ---------------------------------------------------------------------------------------------


def snippet_dir(config) -> Path:
    return Path(config.config_file_path).parent / "snippets"


def expand_snippets(markdown: str, config) -> str:
    """Resolve `--8<--` includes with pymdownx.snippets itself, configured as in mkdocs.yml."""
    settings = dict(config.mdx_configs.get("pymdownx.snippets", {}))
    md = Markdown(extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": settings})
    return "\n".join(md.preprocessors["snippet"].run(markdown.split("\n")))


def fences(lines):
    """Yield (start, end, indent, fence, info) for every fenced block, outermost only."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = m["indent"], m["fence"]
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), len(lines) - 1)
        yield i, end, indent, fence, m["info"]
        i = end + 1


def find_exec_blocks(lines) -> list[Block]:
    blocks = []
    for start, end, indent, _fence, info in fences(lines):
        m = EXEC_INFO.match(info)
        if not m:
            continue
        opts = {o["key"]: o["value"] for o in OPTION.finditer(m["opts"])}
        if "exec" not in opts:
            continue
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                for line in lines[start + 1:end]]
        blocks.append(Block(start, end, indent, textwrap.dedent("\n".join(body)), opts))
    return blocks


def prose_lines(lines) -> list[int]:
    """Indexes of the lines outside fenced code, where placeholders are allowed."""
    inside = set()
    for start, end, *_ in fences(lines):
        inside.update(range(start, end + 1))
    return [i for i in range(len(lines)) if i not in inside]


# ---------------------------------------------------------------------------------------------
# Running, with a cache
# ---------------------------------------------------------------------------------------------


def cache_key(blocks, placeholders) -> str:
    facts = {
        "format": CACHE_FORMAT,
        "hook": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        "torch": importlib.metadata.version("torch"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "device": os.environ.get("LINREG_DEVICE", ""),
        "code": [(b.code, b.opts.get("alt", "")) for b in blocks],
        "placeholders": placeholders,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def cached_run(src_uri, blocks, placeholders, config) -> dict:
    root = os.environ.get("LINREG_BUILD_CACHE") or Path(config.config_file_path).parent / ".cache"
    path = Path(root) / "exec" / f"{cache_key(blocks, placeholders)}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    result = run_page(src_uri, blocks, placeholders)
    if not result["problems"]:  # never cache a failure: the next build must show it again
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(result), encoding="utf-8")
        partial.replace(path)  # atomic: a parallel build never reads half a file
    return result


def run_page(src_uri, blocks, placeholders) -> dict:
    """Run the blocks in order in one namespace, in a scratch directory; capture what they print."""
    as_in_a_fresh_interpreter()
    namespace = {"__name__": "__main__"}
    results, problems = [], []
    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(scratch), plot_style(blocks):
        for n, block in enumerate(blocks, 1):
            out = io.StringIO()
            with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    exec(compile(block.code, f"<{src_uri}, block {n}>", "exec"), namespace)
                except BaseException as error:  # noqa: BLE001 - report, don't crash the build
                    tb = traceback.TracebackException.from_exception(error)
                    tb.stack = traceback.StackSummary.from_list(
                        [f for f in tb.stack if f.filename != __file__])
                    tb = "".join(tb.format())
                    problems.append(f"code block {n} raised:\n{tb}")
                    out.write(tb)
            problems += [f"code block {n} warned: {w.category.__name__}: {w.message}" for w in caught]
            results.append({"output": out.getvalue(), "figures": take_figures(block, src_uri, n, problems)})
            if problems:
                break
        values = {}
        for text in placeholders:
            m = PLACEHOLDER.fullmatch(text)
            try:
                values[text] = format(eval(m["expr"], namespace), m["fmt"] or "")  # noqa: S307
            except Exception as error:  # noqa: BLE001
                problems.append(f"placeholder {text} failed: {type(error).__name__}: {error}")
    return {"blocks": results, "values": values, "problems": problems,
            "device": str(namespace.get("device", "cpu")),  # what the page's code chose
            "torch": importlib.metadata.version("torch")}


def as_in_a_fresh_interpreter():
    """Undo the print options an earlier page may have set (pages run one after another in
    this process). The global random generator needs no reset: a new interpreter seeds it
    at random, so pages draw from seeded generators of their own (test_pages checks it)."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_printoptions(profile="default")


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def plot_style(blocks):
    """Theme-neutral matplotlib defaults, only when a page uses matplotlib."""
    if not any("matplotlib" in b.code for b in blocks):
        yield
        return
    import matplotlib

    matplotlib.use("Agg")
    ink = {k: PLOT_INK for k in ("text.color", "axes.labelcolor", "axes.edgecolor",
                                 "xtick.color", "ytick.color", "grid.color")}
    style = {**ink, "grid.alpha": 0.25, "figure.facecolor": "none", "axes.facecolor": "none",
             "savefig.transparent": True, "legend.framealpha": 0, "svg.fonttype": "none",
             "font.size": 11, "figure.figsize": (7, 4)}
    with matplotlib.rc_context(style):
        yield


def take_figures(block, src_uri, n, problems) -> list[dict]:
    """Render and close every figure the block left open: SVG text, alt text, size."""
    if "matplotlib.pyplot" not in sys.modules:
        return []
    import matplotlib
    import matplotlib.pyplot as plt

    svgs = []
    for k, num in enumerate(plt.get_fignums(), 1):
        alt = block.opts.get("alt")
        if not alt:
            problems.append(f"code block {n} draws a figure but its fence has no alt=\"...\" text")
            alt = ""
        buf = io.StringIO()
        with matplotlib.rc_context({"svg.hashsalt": f"{src_uri}-{n}-{k}"}):
            plt.figure(num).savefig(buf, format="svg", bbox_inches="tight",
                                    metadata={"Date": None, "Creator": None})
        svg = buf.getvalue()
        size = re.search(r'<svg [^>]*?width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        svg = re.sub(r"(<svg[^>]*>)", lambda m: f"{m[1]}<title>{escape_attr(alt)}</title>",
                     svg, count=1)
        svgs.append({"svg": svg, "alt": alt, "width": round(float(size[1]) * 4 / 3),
                     "height": round(float(size[2]) * 4 / 3)})
    plt.close("all")
    return svgs


def escape_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------
# Writing the page
# ---------------------------------------------------------------------------------------------


def insert_outputs(lines, blocks, results) -> list[str]:
    """Strip the hook's options from each fence and put the block's output (and plots) after it."""
    out, pos = [], 0
    for block, result in zip(blocks, results):
        out += lines[pos:block.start]
        opening = FENCE.match(lines[block.start])
        kept = [o.group(0) for o in OPTION.finditer(EXEC_INFO.match(opening["info"])["opts"])
                if o["key"] not in {"exec", "alt"}]
        out.append(f"{block.indent}{opening['fence']}python {' '.join(kept)}".rstrip())
        out += lines[block.start + 1:block.end + 1]
        pos = block.end + 1
        pos = copy_annotation_list(lines, pos, block.indent, out)
        out += output_fence(result["output"], block.indent)
        for figure in result["figures"]:
            token = f"EXECFIGURE{hashlib.sha256(figure['svg'].encode()).hexdigest()[:16]}"
            out += ["", f"{block.indent}{token}", ""]
            FIGURES[token] = figure
    return out + lines[pos:]


def copy_annotation_list(lines, pos, indent, out) -> int:
    """Material wants a code block's annotation list right after it; keep it there."""
    j = pos
    while j < len(lines) and not lines[j].strip():
        j += 1
    m = ANNOTATION_ITEM.match(lines[j]) if j < len(lines) else None
    if not m or m["indent"] != indent:
        return pos
    end = j
    while end < len(lines) and (not lines[end].strip() or ANNOTATION_ITEM.match(lines[end])
                                or lines[end].startswith(indent + "    ")):
        end += 1
    out += lines[pos:end]
    return end


def output_fence(text: str, indent: str) -> list[str]:
    if not text:
        return []
    ticks = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
    body = [f"{indent}{line}" if line else "" for line in text.rstrip("\n").split("\n")]
    return ["", f'{indent}{ticks} {{ .text .exec-output title="Output" }}', *body, f"{indent}{ticks}", ""]


def insert_run_note(lines, result, scripts) -> list[str]:
    """Say under the title what produced the outputs, and link the whole runnable scripts."""
    links = [f"[`{name}`](snippets/{name})" for name in scripts]
    links = ", ".join(links[:-1]) + " and " + links[-1] if len(links) > 1 else "".join(links)
    note = (f"Every output on this page was printed by its code, run when the site was built "
            f"(torch {result['torch']}, device **{result['device']}**). On another device the "
            "numbers agree to the digits shown, give or take one in the last place.")
    if links:
        note += f" Whole runnable scripts: {links}."
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
    return lines[:title + 1] + ["", note, "{ .exec-note }", ""] + lines[title + 1:]
