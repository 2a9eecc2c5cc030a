"""MkDocs hook: the whole book on one page, for reading offline and printing to PDF.

mkdocs-print-site-plugin (the last plugin in mkdocs.yml) combines every page of the nav into
`print_page/`. It adds its stylesheets and script to every page; only the book's page needs
them, so this hook takes them off the others and puts them on that page alone, and lets the
book's figures load at once (a lazily loaded image may be missing from a printout).
"""

from __future__ import annotations

import re
from pathlib import Path

ASSETS: dict[str, list[str]] = {"css": [], "js": []}  # the plugin's, as it added them


def on_config(config):
    """Runs after the plugin's on_config (hooks come after plugins)."""
    ASSETS["css"] = [f for f in config.extra_css if f.startswith("css/print-site")]
    ASSETS["js"] = [str(f) for f in config.extra_javascript if str(f) == "js/print-site.js"]
    config.extra_css[:] = [f for f in config.extra_css if f not in ASSETS["css"]]
    config.extra_javascript[:] = [f for f in config.extra_javascript if str(f) not in ASSETS["js"]]
    return config


def on_post_build(config):
    plugin = config.plugins.get("print-site")
    if plugin is None or not plugin.config.get("enabled", True):
        return
    page = Path(config.site_dir) / plugin.config["print_page_basename"] / "index.html"
    if not page.exists():
        return
    html = page.read_text(encoding="utf-8")
    tags = "".join(f'<link rel="stylesheet" href="../{css}">' for css in ASSETS["css"])
    tags += "".join(f'<script src="../{js}"></script>' for js in ASSETS["js"])
    html = html.replace("</head>", f"{tags}</head>", 1)
    html = re.sub(r'(<img\b[^>]*?)\s+loading="lazy"', r"\1", html)
    page.write_text(html, encoding="utf-8")
