"""MkDocs hook: typeset every formula with KaTeX at build time, and serve KaTeX's CSS and fonts
from the site itself.

pymdownx.arithmatex (generic mode) leaves `\\(...\\)` and `\\[...\\]` in the HTML; this hook
renders them with the KaTeX installed from npm (`package.json`, pinned), so readers get finished
math with no JavaScript and no request off the site. Bad TeX is a build warning, which fails
`mkdocs build --strict`. Rendered formulas are cached in `.cache/katex/` (or
`$LINREG_BUILD_CACHE/katex/`).
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.katex")

ROOT = Path(__file__).resolve().parent.parent
KATEX = ROOT / "node_modules" / "katex"
CSS_URI = "assets/katex/katex.min.css"
MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])</(?P=tag)>',
    re.S,
)
CACHE_FORMAT = "2"  # bump when what this hook stores per formula changes
_cache: dict[str, str] = {}
_cache_dirty = False


def katex_version() -> str:
    package = KATEX / "package.json"
    if not package.exists():
        raise PluginError("KaTeX is not installed: run `make setup` (it runs `npm ci`).")
    return json.loads(package.read_text())["version"]


def cache_path() -> Path:
    root = Path(os.environ.get("LINREG_BUILD_CACHE") or ROOT / ".cache")
    return root / "katex" / f"katex-{katex_version()}-{CACHE_FORMAT}.json"


def on_config(config):
    global _cache
    _cache = json.loads(cache_path().read_text()) if cache_path().exists() else {}
    if CSS_URI not in config.extra_css:
        config.extra_css.insert(0, CSS_URI)
    return config


def on_files(files, config):
    """Ship katex.min.css and the woff2 fonts; every browser we target reads woff2."""
    css = (KATEX / "dist" / "katex.min.css").read_text(encoding="utf-8")
    css = re.sub(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)', "", css)
    files.append(File.generated(config, CSS_URI, content=css))
    for font in sorted((KATEX / "dist" / "fonts").glob("*.woff2")):
        files.append(File.generated(config, f"assets/katex/fonts/{font.name}", abs_src_path=str(font)))
    return files


def on_page_content(page_html, page, config, files):
    found = [(m["display"] is not None, html.unescape(m["display"] or m["inline"] or ""))
             for m in MATH.finditer(page_html)]
    render([item for item in found if key(*item) not in _cache])

    def typeset(m):
        display = m["display"] is not None
        tex = html.unescape(m["display"] or m["inline"] or "")
        rendered = _cache.get(key(display, tex))
        if rendered is None:  # an error, already reported
            return m.group(0)
        if display:  # may scroll sideways on a phone: keyboard users must reach it too
            return f'<div class="arithmatex" tabindex="0">{rendered}</div>'
        return f'<span class="arithmatex">{rendered}</span>'

    return MATH.sub(typeset, page_html)


def on_post_build(config):
    if _cache_dirty:
        path = cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(_cache, sort_keys=True))
        partial.replace(path)


def key(display: bool, tex: str) -> str:
    return f"{'D' if display else 'I'}:{tex}"


_node: subprocess.Popen | None = None


def typesetter() -> subprocess.Popen:
    """The one node process that renders this build's formulas (started when first needed)."""
    global _node
    if _node is None or _node.poll() is not None:
        node = shutil.which("node")
        if node is None:
            raise PluginError("Node.js is needed to typeset formulas with KaTeX: install `nodejs`.")
        _node = subprocess.Popen([node, str(Path(__file__).with_name("render_math.js")), str(KATEX)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                 encoding="utf-8")
    return _node


def on_shutdown():
    if _node is not None and _node.poll() is None:
        _node.stdin.close()
        _node.wait()


def render(items):
    """Render the formulas (one request line to the node process); report TeX errors as build
    warnings."""
    global _cache_dirty
    items = list(dict.fromkeys(items))
    if not items:
        return
    node = typesetter()
    node.stdin.write(json.dumps([{"tex": tex, "display": display} for display, tex in items]) + "\n")
    node.stdin.flush()
    answer = node.stdout.readline()
    if not answer:
        raise PluginError("The KaTeX process (hooks/render_math.js) stopped without an answer.")
    for (display, tex), result in zip(items, json.loads(answer)):
        if "error" in result:
            log.warning("KaTeX cannot typeset %r: %s", tex, result["error"])
        else:
            # The MathML keeps the formula readable by screen readers; its TeX annotation
            # only repeats the source, which no reader sees: leave it out.
            _cache[key(display, tex)] = re.sub(
                r'<annotation encoding="application/x-tex">.*?</annotation>', "", result["html"],
                flags=re.S)
            _cache_dirty = True
