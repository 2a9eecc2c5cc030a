"""Lighthouse over every page of the built site: `make audit` (or `python tools/audit.py site`).

Serves the site on 127.0.0.1, runs Lighthouse 12 (tools/audit/, pinned, installed from the npm
registry on first use) with its default mobile settings against Debian's Chromium, one page
after another, and prints a table: the four category scores, total blocking time, cumulative
layout shift, largest contentful paint, DOM size and the main thread's style-and-layout time.
The table and the raw numbers are written to bench/lighthouse.md and bench/lighthouse.json.

Lighthouse measures time on this machine, slowed down 4x to stand for a phone: run it on a
quiet machine (the load average is recorded with the results).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "audit"
LIGHTHOUSE = TOOL / "node_modules" / ".bin" / "lighthouse"
CHROME = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"


def pages(site: Path) -> list[str]:
    """Every page a reader reads: home, chapters, notation, where next, notebooks (not the
    one-page book, which is every chapter at once)."""
    found = sorted(p.parent.relative_to(site).as_posix() for p in site.rglob("index.html")
                   if not {"assets", "book", "search"} & set(p.parts))
    return ["" if p == "." else f"{p}/" for p in found]


def serve(site: Path):
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def audit(url: str, out: Path) -> dict:
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                    f"--chrome-flags={FLAGS}"], check=True, env={**os.environ, "CHROME_PATH": CHROME},
                   capture_output=True, timeout=600)
    report = json.loads(out.read_text())
    audits = report["audits"]
    work = {i["group"]: i["duration"] for i in audits["mainthread-work-breakdown"]["details"]["items"]}
    return {
        **{k: report["categories"][k]["score"] for k in
           ("performance", "accessibility", "best-practices", "seo")},
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "dom": audits["dom-size"]["numericValue"],
        "style_layout_ms": work.get("styleLayout", 0),
    }


def table(rows: dict[str, dict], when: dict) -> str:
    lines = [f"Lighthouse {when['lighthouse']} (mobile, default settings), Chromium, on "
             f"{when['date']}; load average {when['load_before']} before, {when['load_after']} "
             "after. `make audit` writes this file.", "",
             "| page | performance | accessibility | best practices | SEO | TBT | CLS | LCP "
             "| DOM | style & layout |", "|:---|" + "---:|" * 9]
    for page, r in rows.items():
        lines.append(f"| /{page} | {r['performance']:.2f} | {r['accessibility']:.2f} | "
                     f"{r['best-practices']:.2f} | {r['seo']:.2f} | {r['tbt_ms']:.0f} ms | "
                     f"{r['cls']:.3f} | {r['lcp_ms'] / 1000:.1f} s | {r['dom']:,.0f} | "
                     f"{r['style_layout_ms']:.0f} ms |")
    worst = min(r["performance"] for r in rows.values())
    lines += ["", f"Lowest performance score: {worst:.2f}; highest total blocking time: "
              f"{max(r['tbt_ms'] for r in rows.values()):.0f} ms; largest layout shift: "
              f"{max(r['cls'] for r in rows.values()):.3f}."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built site (make build writes site/)")
    parser.add_argument("--only", nargs="*", help="audit only these pages, e.g. 04-model/")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").exists():
        parser.error(f"{args.site} holds no built site: run `make build` first")
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOL, check=True)
    server = serve(args.site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    when = {"date": datetime.date.today().isoformat(), "load_before": round(os.getloadavg()[0], 2),
            "lighthouse": json.loads((TOOL / "package.json").read_text())["dependencies"]["lighthouse"]}
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        for page in args.only or pages(args.site):
            rows[page] = audit(base + page, Path(scratch) / "report.json")
            r = rows[page]
            print(f"/{page:<28} performance {r['performance']:.2f}  TBT {r['tbt_ms']:5.0f} ms  "
                  f"CLS {r['cls']:.3f}  a11y {r['accessibility']:.2f}", file=sys.stderr, flush=True)
    server.shutdown()
    when["load_after"] = round(os.getloadavg()[0], 2)
    text = table(rows, when)
    print(text)
    if not args.only:
        (ROOT / "bench" / "lighthouse.md").write_text(text, encoding="utf-8")
        (ROOT / "bench" / "lighthouse.json").write_text(
            json.dumps({**when, "pages": rows}, indent=1) + "\n", encoding="utf-8")
        print("wrote bench/lighthouse.md and bench/lighthouse.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
