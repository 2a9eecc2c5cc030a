"""MkDocs hook: keep each page's first load small (budget: 400 KiB, tests/test_browser.py).

- Material's and KaTeX's stylesheets lose the rules no page of this site can use (PurgeCSS
  from npm, pinned in package-lock.json, over the built HTML and Material's JavaScript).
- The search index leaves out what nobody searches for: printed outputs and the markup of
  typeset formulas (Material's search honours `data-search-exclude`), and it is fetched when
  the reader first opens the search, not with every page: one expression of Material's
  bundle (pinned, 9.8.2) wraps the index request in "once the search toggle is first on",
  with Material's own RxJS operators. If a new Material release changes that expression,
  the build fails here rather than silently loading the index eagerly again.
- Highlighted code drops the `<span class="n">` around plain names: Material colours them
  with the code's own foreground colour, so the page looks the same with fewer bytes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError

HERE = Path(__file__).resolve().parent


EAGER_INDEX = 'zi=document.forms.namedItem("search")?ks():tt'
# first(search open) -> switchMap(request the index) -> shareReplay(1)
LAZY_INDEX = 'zi=document.forms.namedItem("search")?Je("search").pipe(Re(o=>o),b(()=>ks()),Z(1)):tt'


def on_page_content(html, page, config, files):
    html = re.sub(r'<span class="n">([^<]*)</span>', r"\1", html)
    html = html.replace('<div class="language-text exec-output highlight"',
                        '<div class="language-text exec-output highlight" data-search-exclude')
    return re.sub(r'<(span|div) class="arithmatex"', r'<\1 data-search-exclude class="arithmatex"', html)


def on_post_build(config):
    site = Path(config.site_dir)
    stylesheets = sorted(site.glob("assets/stylesheets/*.min.css")) + sorted(
        site.glob("assets/katex/*.css"))
    node = shutil.which("node")
    if node is None:
        raise PluginError("Node.js is needed to slim the stylesheets: install `nodejs`.")
    subprocess.run([node, str(HERE / "purge_css.js"), str(site), *map(str, stylesheets)],
                   check=True, capture_output=True, text=True)
    for bundle in site.glob("assets/javascripts/bundle.*.min.js"):
        code = bundle.read_text(encoding="utf-8")
        if EAGER_INDEX not in code:
            raise PluginError(f"{bundle.name}: Material's search setup changed; update "
                              "EAGER_INDEX in hooks/slim.py to keep the index lazy")
        bundle.write_text(code.replace(EAGER_INDEX, LAZY_INDEX), encoding="utf-8")
