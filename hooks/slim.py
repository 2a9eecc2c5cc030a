"""MkDocs hook: keep each page's first load small (budget: 400 KiB, tests/test_browser.py).

- Material's and KaTeX's stylesheets lose the rules no page of this site can use (PurgeCSS
  from npm, pinned in package-lock.json, over the built HTML and Material's JavaScript).
- The search index leaves out what nobody searches for: printed outputs and the markup of
  typeset formulas (Material's search honours `data-search-exclude`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError

HERE = Path(__file__).resolve().parent


def on_page_content(html, page, config, files):
    html = html.replace('<div class="language-text exec-output highlight"',
                        '<div class="language-text exec-output highlight" data-search-exclude')
    return re.sub(r'<(span|div) class="arithmatex">', r'<\1 class="arithmatex" data-search-exclude>', html)


def on_post_build(config):
    site = Path(config.site_dir)
    stylesheets = sorted(site.glob("assets/stylesheets/main.*.min.css")) + sorted(
        site.glob("assets/katex/*.css"))
    node = shutil.which("node")
    if node is None:
        raise PluginError("Node.js is needed to slim the stylesheets: install `nodejs`.")
    subprocess.run([node, str(HERE / "purge_css.js"), str(site), *map(str, stylesheets)],
                   check=True, capture_output=True, text=True)
