"""Run each page's code once per build and keep what it printed: the build logic behind
hooks/exec_code.py (the pages) and hooks/takeaway.py (the notebooks and scripts).

A page's ```` ```python exec ```` blocks run in order in one namespace, in a process of their
own started from a clean interpreter (a forkserver that has imported torch, NumPy and
matplotlib once), in an empty scratch folder: exactly as a reader pasting them into a new
interpreter. Pages run side by side, one process per core. Each run is cached in
`.cache/exec/` (or `$LINREG_BUILD_CACHE/exec/`) under a key made of the page's code, its
placeholders, this file, the torch and Python versions and the forced device; a failed run is
never cached, so the next build shows the failure again.

Plain functions, no MkDocs imports: a hook calls them, and so can a test or another builder.
"""

from __future__ import annotations

import ast
import concurrent.futures
import contextlib
import hashlib
import importlib.metadata
import io
import json
import multiprocessing
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

CACHE_FORMAT = "5"  # bump when what is cached changes shape
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
EXEC_INFO = re.compile(r"^\s*(?:python|py)\b(?P<opts>.*)$")
OPTION = re.compile(r'(?P<key>[\w-]+)(?:="(?P<value>[^"]*)")?')
INCLUDE = re.compile(r'--8<--\s+"(?P<file>[^":]+)(?::[\w-]+)?"')
PLACEHOLDER = re.compile(r"\{\{\s*(?P<expr>.+?)\s*(?:\|\s*(?P<fmt>[^{}|]*?)\s*)?\}\}")
ANNOTATION_ITEM = re.compile(r"^(?P<indent>[ \t]*)\d+\.\s")
ANNOTATION = re.compile(r"[ \t]*# \((?P<n>\d+)\)!")  # a code annotation marker
PLOT_INK = "#010203"  # text and axes colour while drawing; each scheme's copy gets its own
SCHEME_INK = {"light": "#212121", "dark": "#e2e4e9"}  # Material's text colour in each scheme
PRELOAD = ["torch", "torch._dynamo", "numpy", "matplotlib.pyplot"]  # imported once, by the forkserver
# (torch._dynamo: 1.5 s, imported at the first optimizer step or torch.compile, by most pages)
PLOTS = "assets/plots"  # where the site keeps the figures
RUN_NOTE = "{ .exec-note }"  # the attribute line under a page's run note

# This build's state, shared by the hooks (MkDocs loads each hook as a module of its own, so
# they share what this module holds): every page's run, and every figure to be written.
RUNS: dict[str, tuple["Page", dict]] = {}  # src_uri -> (the page, its run)
FIGURES: dict[str, dict] = {}  # token -> {svg, alt, width, height}


@dataclass
class Block:
    start: int  # index of the opening fence line in Page.lines
    end: int  # index of the closing fence line
    indent: str
    code: str  # as the reader sees it, annotation markers included
    opts: dict = field(default_factory=dict)

    @property
    def copied(self) -> str:
        """What the page's copy button gives: the code without annotation markers."""
        return "\n".join(ANNOTATION.sub("", line) for line in self.code.split("\n")).rstrip()


@dataclass
class Page:
    """A page's Markdown with its snippets resolved, and what of it runs."""

    src_uri: str
    lines: list[str]
    blocks: list[Block]
    placeholders: list[str]
    includes: list[str]  # the snippet files the page includes
    problems: list[str]  # includes that could not be resolved

    @property
    def runs(self) -> bool:
        return bool(self.blocks or self.placeholders)

    def key(self) -> str:
        facts = {
            "format": CACHE_FORMAT,
            "runner": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
            "torch": _version("torch"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "device": os.environ.get("LINREG_DEVICE", ""),
            "code": [(b.code, sorted(b.opts.items())) for b in self.blocks],
            "placeholders": self.placeholders,
        }
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Reading a page
# ---------------------------------------------------------------------------------------------


def prepare(src_uri: str, markdown: str, snippets_config: dict) -> Page:
    """Resolve the page's `--8<--` includes with pymdownx.snippets, configured as in mkdocs.yml,
    and find its run blocks and placeholders. An include that fails is reported and replaced by
    a visible error, so that `mkdocs serve` keeps serving."""
    includes = sorted(set(INCLUDE.findall(markdown)))
    problems: list[str] = []
    try:
        expanded = _expand(markdown, snippets_config)
    except Exception:  # noqa: BLE001 - one bad include: resolve the others one by one
        out = []
        for line in markdown.split("\n"):
            if "--8<--" not in line:
                out.append(line)
                continue
            try:
                out.append(_expand(line, snippets_config))
            except Exception as error:  # noqa: BLE001
                problems.append(f"cannot include {line.strip()}: {error}")
                indent = line[:len(line) - len(line.lstrip())]
                out.append(f"{indent}ERROR, cannot include {line.strip()[7:]}: {error}")
        expanded = "\n".join(out)
    lines = expanded.split("\n")
    prose = prose_lines(lines)
    placeholders = [m.group(0) for i in prose for m in PLACEHOLDER.finditer(lines[i])]
    return Page(src_uri, lines, find_exec_blocks(lines), placeholders, includes, problems)


def _expand(markdown: str, settings: dict) -> str:
    from markdown import Markdown

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
        blocks.append(Block(start, end, indent, textwrap.dedent("\n".join(body)).strip("\n"), opts))
    return blocks


def prose_lines(lines) -> list[int]:
    """Indexes of the lines outside fenced code, where placeholders are allowed."""
    inside = set()
    for start, end, *_ in fences(lines):
        inside.update(range(start, end + 1))
    return [i for i in range(len(lines)) if i not in inside]


def annotation_list_end(lines, pos, indent) -> int:
    """Where the numbered list of annotations that Material wants right after a code block
    ends (pos itself when the block has none)."""
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
    while end > j and not lines[end - 1].strip():
        end -= 1
    return end


def substitute(page: Page, values: dict) -> list[str]:
    """The page's lines with every prose placeholder replaced by its value from the run."""
    lines = list(page.lines)
    for i in prose_lines(lines):
        lines[i] = PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), lines[i])
    return lines


# ---------------------------------------------------------------------------------------------
# Running, with a cache, one process per page
# ---------------------------------------------------------------------------------------------


def run_pages(pages: list[Page], cache_dir: Path, jobs: int | None = None) -> dict[str, dict]:
    """Every page's run, from the cache or run now, side by side: {src_uri: result}."""
    results, todo = {}, []
    for page in pages:
        path = cache_dir / f"{page.key()}.json"
        if path.exists():
            results[page.src_uri] = json.loads(path.read_text(encoding="utf-8"))
        elif page.problems:  # an include failed: nothing to run, the page shows the error
            results[page.src_uri] = failed(page, page.problems)
        else:
            todo.append(page)
    if not todo:
        return results
    env = dict(os.environ)
    with _pool(min(len(todo), jobs or os.cpu_count() or 1)) as pool:
        futures = {pool.submit(run_page, p.src_uri, [(b.code, b.opts) for b in p.blocks],
                               p.placeholders, env): p
                   for p in reversed(todo)}  # the later chapters run longest: start them first
        for future in concurrent.futures.as_completed(futures):
            page = futures[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - the process died: say so on the page
                result = failed(page, [f"the process running the page's code died: {error!r}"])
            results[page.src_uri] = result
            if not result["problems"]:
                path = cache_dir / f"{page.key()}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(f".{os.getpid()}.tmp")
                partial.write_text(json.dumps(result), encoding="utf-8")
                partial.replace(path)  # atomic: a parallel build never reads half a file
    return results


def failed(page: Page, problems: list[str]) -> dict:
    return {"blocks": [{"output": "", "figures": []} for _ in page.blocks], "values": {},
            "problems": problems, "device": "?", "torch": _version("torch")}


@contextlib.contextmanager
def _pool(workers: int):
    """Fresh processes forked from a server that has imported the heavy modules once. On a
    platform without forkserver (Windows), plain spawned processes."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        here = str(Path(__file__).parent)
        if here not in sys.path:  # the server imports this module by name
            sys.path.insert(0, here)
        os.environ.setdefault("MPLBACKEND", "Agg")
        context.set_forkserver_preload([Path(__file__).stem, *PRELOAD])
    else:
        context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context,
                                                max_tasks_per_child=1) as pool:
        yield pool


def run_page(src_uri: str, blocks: list[tuple[str, dict]], placeholders: list[str],
             env: dict | None = None) -> dict:
    """Run the blocks in order in one namespace, in an empty scratch folder, capturing what
    each prints and the figures it leaves open, and the data a block hands to its explorable
    (`explore="kind" data="expression"` on its fence); then evaluate the placeholders."""
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    namespace = {"__name__": "__main__"}
    results, problems, echoed = [], [], []
    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(scratch), \
            _plot_style(code for code, _ in blocks):
        for n, (code, opts) in enumerate(blocks, 1):
            out = io.StringIO()
            with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    namespace[ECHO] = echo_check(code, n, echoed)
                    exec(compile(echoes_checked(code), f"<{src_uri}, block {n}>", "exec"),
                         namespace)
                except BaseException as error:  # noqa: BLE001 - report, don't crash the build
                    tb = traceback.TracebackException.from_exception(error)
                    tb.stack = traceback.StackSummary.from_list(
                        [f for f in tb.stack if f.filename != __file__])
                    tb = "".join(tb.format())
                    problems.append(f"code block {n} raised:\n{tb}")
                    out.write(tb)
            problems += [f"code block {n} warned: {w.category.__name__}: {w.message}" for w in caught]
            results.append({"output": out.getvalue(), "error": bool(problems),
                            "figures": _take_figures(opts.get("alt"), src_uri, n, problems)})
            if opts.get("explore") and not problems:
                results[-1]["explore"] = _explorable(opts, namespace, n, problems)
            if problems:
                break
        results += [{"output": "", "figures": []} for _ in blocks[len(results):]]
        problems += echoed
        values = {}
        for text in ([] if problems else placeholders):
            m = PLACEHOLDER.fullmatch(text)
            try:
                values[text] = format(eval(m["expr"], namespace), m["fmt"] or "")  # noqa: S307
            except Exception as error:  # noqa: BLE001
                problems.append(f"placeholder {text} failed: {type(error).__name__}: {error}")
    return {"blocks": results, "values": values, "problems": problems,
            "device": str(namespace.get("device", "cpu")),  # what the page's code chose
            "torch": _version("torch")}


ECHO = "__echo_check__"


def echoes_checked(code: str) -> ast.Module:
    """The block, its last statement wrapped in a check if it is a bare expression: a notebook
    cell, or the block pasted into IPython, shows the value of its last expression (a legend's
    ``<matplotlib.legend.Legend at 0x...>``, a tensor from ``w.grad.zero_()``), which the page
    would not show. (The plain ``python`` prompt echoes every such statement, like the values
    matplotlib's setters return; a notebook and a script do not.)"""
    tree = ast.parse(code)
    for node in tree.body[-1:]:
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            call = ast.Call(ast.Name(ECHO, ast.Load()),
                            [node.value, ast.Constant(node.lineno)], [])
            node.value = ast.copy_location(call, node.value)
    return ast.fix_missing_locations(tree)


def echo_check(code: str, n: int, problems: list):
    lines = code.split("\n")

    def check(value, lineno):
        if value is not None:
            problems.append(f"code block {n}, line {lineno}: `{lines[lineno - 1].strip()}` "
                            f"gives {type(value).__name__} {_short(value)}, which a notebook "
                            "prints under it: end the block with what returns None")
        return value
    return check


def _short(value) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _explorable(opts: dict, namespace: dict, n: int, problems: list) -> dict | None:
    """The kind of explorable and its starting data, as JSON, from the block's namespace."""
    try:
        data = eval(opts.get("data") or "None", namespace)  # noqa: S307
        return {"kind": opts["explore"], "data": json.dumps(_plain(data), separators=(",", ":"))}
    except Exception as error:  # noqa: BLE001
        problems.append(f"code block {n}: explorable data {opts.get('data')!r} failed: "
                        f"{type(error).__name__}: {error}")
        return None


def _plain(value):
    """Tensors, arrays and their numbers as plain lists and floats, for JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "none"


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _plot_style(codes):
    """Theme-neutral matplotlib defaults, only when a page uses matplotlib: text and lines in a
    placeholder ink that each colour scheme's copy of the SVG replaces with its own."""
    if not any("matplotlib" in code for code in codes):
        yield
        return
    import matplotlib

    matplotlib.use("Agg")
    ink = {k: PLOT_INK for k in ("text.color", "axes.labelcolor", "axes.edgecolor",
                                 "xtick.color", "ytick.color", "grid.color")}
    style = {**ink, "grid.alpha": 0.25, "figure.facecolor": "none", "axes.facecolor": "none",
             "savefig.transparent": True, "legend.framealpha": 0, "svg.fonttype": "none",
             "font.size": 13, "figure.figsize": (5.6, 3.6), "axes.spines.top": False,
             "axes.spines.right": False}
    with matplotlib.rc_context(style):
        yield


def _stable_clip_ids(svg: str, salt: str) -> str:
    """Matplotlib names a clip path by hashing its id() in memory, which differs from run to
    run: rename the clip paths in order of appearance, so the same figure gives the same bytes."""
    prefix = "c" + hashlib.sha256(salt.encode()).hexdigest()[:8]
    names: dict[str, str] = {}
    for found in re.findall(r'<clipPath id="(p[0-9a-f]+)"', svg):
        names.setdefault(found, f"{prefix}-{len(names)}")
    return re.sub(r"\b(p[0-9a-f]{10})\b", lambda m: names.get(m[1], m[1]), svg) if names else svg


def _take_figures(alt, src_uri, n, problems) -> list[dict]:
    """Render and close every figure the block left open: SVG text, alt text, size in px."""
    if "matplotlib.pyplot" not in sys.modules:
        return []
    import matplotlib
    import matplotlib.pyplot as plt

    svgs = []
    for k, num in enumerate(plt.get_fignums(), 1):
        if not alt:
            problems.append(f"code block {n} draws a figure but its fence has no alt=\"...\" text")
        buf = io.StringIO()
        with matplotlib.rc_context({"svg.hashsalt": f"{src_uri}-{n}-{k}"}):
            plt.figure(num).savefig(buf, format="svg", bbox_inches="tight",
                                    metadata={"Date": None, "Creator": None})
        svg = buf.getvalue()
        svg = svg[svg.index("<svg"):]  # no XML prolog or doctype: the SVG goes inline too
        svg = _stable_clip_ids(svg, f"{src_uri}-{n}-{k}")
        size = re.search(r'<svg [^>]*?width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        svg = re.sub(r"(<svg[^>]*>)", lambda m: f"{m[1]}<title>{escape_attr(alt or '')}</title>",
                     svg, count=1)
        svgs.append({"svg": svg, "alt": alt or "", "width": round(float(size[1]) * 4 / 3),
                     "height": round(float(size[2]) * 4 / 3)})
    plt.close("all")
    return svgs


def figure_token(figure: dict) -> str:
    """A placeholder paragraph for a figure, swapped for its images in the page's HTML."""
    token = f"EXECFIGURE{hashlib.sha256(figure['svg'].encode()).hexdigest()[:16]}"
    FIGURES[token] = figure
    return token


def figure_html(token: str, up: str) -> str:
    """The figure's two images, one per colour scheme, lazily loaded, with their size set so
    that the page does not move when they arrive. `up` leads from the page to the site root."""
    figure, alt = FIGURES[token], escape_attr(FIGURES[token]["alt"])
    images = "".join(
        f'<img src="{up}{PLOTS}/{token}-{scheme}.svg#only-{scheme}" alt="{alt}" '
        f'width="{figure["width"]}" height="{figure["height"]}" loading="lazy" decoding="async">'
        for scheme in SCHEME_INK)
    return f'<figure class="exec-plot">{images}</figure>'


def explorable_html(kind: str, data: str, figures: str) -> str:
    """An explorable: its data from the run and, inside, the static figure it starts from,
    which is what a reader without JavaScript sees. docs/assets/explorables.js takes over."""
    data = data.replace("</", "<\\/")  # cannot close the script element
    return (f'<div class="explorable" data-explorable="{escape_attr(kind)}">'
            f'<script type="application/json" class="explorable-data">{data}</script>'
            f"{figures}</div>")


def inked(svg: str, scheme: str) -> str:
    """The figure in one colour scheme's text colour."""
    return svg.replace(PLOT_INK, SCHEME_INK[scheme])


def escape_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
