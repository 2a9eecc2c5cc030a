"""MkDocs hook: keep each page's first load small (budget: 400 KiB, tests/test_browser.py).

- Material's and KaTeX's stylesheets lose the rules no page of this site can use (PurgeCSS
  from npm, pinned in package-lock.json, over the built HTML and Material's JavaScript).
- The search index leaves out what nobody searches for: printed outputs and the markup of
  typeset formulas (Material's search honours `data-search-exclude`). The index and the
  search worker are fetched when the reader first opens the search, not with every page:
  two expressions of Material's bundle (pinned, 9.8.2) are changed (PATCHES). If a new
  Material release changes them, the build fails here rather than silently loading them
  eagerly again; tests/test_browser.py checks that search still works. Measured: the index
  is 274 KB (73 KiB gzip) and the worker 40 KB (12 KiB gzip), so loading them with every
  page would add 85 KiB to a first load whose budget is 150 KiB and whose chapters weigh
  100-148 KiB without them: no documented setting defers them, so the patch stays.
- Highlighted code drops the spans around plain names (`n`: Material colours them with the
  code's own colour anyway), punctuation (`p`), operators (`o`) and whitespace (`w`), which
  then take the code's colour too: keywords, strings, numbers, comments and builtins keep
  theirs. On a code-heavy chapter that is 15-30 KB of HTML and hundreds of elements.
- Printed outputs are plain text blocks, not highlighted code (OUTPUT, below); a printed
  table or tensor is marked as one, so a phone scrolls it rather than breaking its columns.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority

HERE = Path(__file__).resolve().parent


# Material 9.8.2's bundle: what it does, and what this site does instead
PATCHES = {
    # request the search index once the search is first opened (first, switchMap,
    # shareReplay), not at every page load
    'zi=document.forms.namedItem("search")?ks():tt':
        'zi=document.forms.namedItem("search")?Je("search").pipe(Re(o=>o),b(()=>ks()),Z(1)):tt',
    # start the search worker when the first message (the index) is posted to it
    "function Mn(e,t=new Worker(e))": "function Mn(e,t=new LazyWorker(e))",
}
LAZY_WORKER = """class LazyWorker {
  constructor(url) { this.url = url; this.listeners = []; this.worker = null; }
  start() {
    if (!this.worker) {
      this.worker = new Worker(this.url);
      for (const args of this.listeners) this.worker.addEventListener(...args);
    }
    return this.worker;
  }
  addEventListener(...args) {
    this.worker ? this.worker.addEventListener(...args) : this.listeners.push(args);
  }
  removeEventListener(type, listener, options) {
    if (this.worker) this.worker.removeEventListener(type, listener, options);
    this.listeners = this.listeners.filter(([t, l]) => t !== type || l !== listener);
  }
  postMessage(...args) { this.start().postMessage(...args); }
  terminate() { if (this.worker) this.worker.terminate(); }
}
"""


# An output block is what the code printed, not code: a <pre><samp>, which is what HTML has for
# a program's output. Material's script mounts every <pre><code> (copy button, size watcher,
# tooltips): this halves the blocks it works on in a chapter.
OUTPUT_AS_CODE = ('<div class="language-text exec-output highlight"><span class="filename">Output'
                  '</span><pre><span></span><code>')
OUTPUT = ('<div class="exec-output" data-search-exclude><span class="filename">Output</span>'
          '<pre><samp>')


COLUMNS = re.compile(r"\S {2,}\S|^\s+\[", re.M)  # a gap between columns; a tensor's next row


def as_output(text: str) -> str:
    """A printed table or tensor (two or more lines with columns) keeps its columns: on a
    narrow screen it scrolls inside its box instead of wrapping (extra.css, .exec-table)."""
    table = sum(1 for line in text.splitlines() if COLUMNS.search(line)) >= 2
    start = OUTPUT.replace('"exec-output"', '"exec-output exec-table"') if table else OUTPUT
    return f"{start}{text}</samp></pre>"


def on_page_content(html, page, config, files):
    html = re.sub(r'<span class="[npow]">([^<]*)</span>', r"\1", html)
    html = re.sub(re.escape(OUTPUT_AS_CODE) + r"(.*?)</code></pre>",
                  lambda m: as_output(m[1]), html, flags=re.S)
    html = re.sub(re.escape(OUTPUT) + r"(.*?)</samp></pre>",  # a notebook page's outputs
                  lambda m: as_output(m[1]), html, flags=re.S)
    return re.sub(r'<(span|div) class="arithmatex"', r'<\1 data-search-exclude class="arithmatex"', html)


EXCLUDED = re.compile(r"<(div)\b[^>]*\bdata-search-exclude\b[^>]*>")  # display math, outputs
_FULL: dict[str, tuple[str, str]] = {}  # a page's content while the search plugin reads the slim copy


def searched_part(html: str) -> str:
    """The page without the blocks the search leaves out (display formulas, outputs): the index
    is the same, byte for byte, and the search plugin's pure-Python HTML parser reads much less
    markup (it took 2.6 s of a 10 s build, most of it inside KaTeX's spans). Inline formulas
    stay: the index keeps a few of them as text."""
    parts, pos = [], 0
    for m in EXCLUDED.finditer(html):
        if m.start() < pos:  # inside an element already left out
            continue
        tag, depth, end = m[1], 0, m.start()
        for t in re.finditer(rf"<(/?){tag}\b[^>]*>", html[m.start():]):
            depth += -1 if t[1] else 1
            if depth == 0:
                end = m.start() + t.end()
                break
        else:
            return html  # unbalanced: let the search read it all
        parts.append(html[pos:m.start()])
        pos = end
    return "".join(parts) + html[pos:]


@event_priority(50)  # before Material's search plugin (priority 0) indexes the page
def _slim_for_search(context, page, config, nav):
    slim = searched_part(page.content)
    _FULL[page.file.src_uri] = (page.content, slim)
    page.content = slim


@event_priority(-50)  # after it: the whole page again, as search would leave it
def _whole_again(context, page, config, nav):
    full, slim = _FULL.pop(page.file.src_uri)
    if page.content == re.sub(r'\s?data-search-\w+="[^"]+"', "", slim):  # else a later hook
        page.content = re.sub(r'\s?data-search-\w+="[^"]+"', "", full)  # made it anew (book)


on_page_context = CombinedEvent(_slim_for_search, _whole_again)


_command = "build"


def on_startup(command, dirty):
    global _command
    _command = command


def on_post_build(config):
    site = Path(config.site_dir)
    patch_bundle(site)
    if _command == "serve":  # keep rebuilds quick while editing; every real build is purged
        return
    stylesheets = sorted(site.glob("assets/stylesheets/*.min.css")) + sorted(
        site.glob("assets/katex/*.css"))
    node = shutil.which("node")
    if node is None:
        raise PluginError("Node.js is needed to slim the stylesheets: install `nodejs`.")
    subprocess.run([node, str(HERE / "purge_css.js"), str(site), *map(str, stylesheets)],
                   check=True, capture_output=True, text=True)


def patch_bundle(site: Path):
    for bundle in site.glob("assets/javascripts/bundle.*.min.js"):
        code = bundle.read_text(encoding="utf-8")
        if code.startswith(LAZY_WORKER):  # mkdocs build --dirty keeps last build's copy
            continue
        for eager, lazy in PATCHES.items():
            if code.count(eager) != 1:
                raise PluginError(f"{bundle.name}: Material's search setup changed; update "
                                  f"PATCHES in hooks/slim.py (looking for {eager!r})")
            code = code.replace(eager, lazy)
        bundle.write_text(LAZY_WORKER + code, encoding="utf-8")
