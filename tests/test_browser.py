"""The site as a reader sees it: Debian's Chromium, driven by Playwright, against the built site
served on 127.0.0.1, with every request that would leave the machine aborted and counted.

Skips when Chromium is absent (a laptop without it can still run the rest); CI sets
REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import CHAPTERS, ROOT
from pages import code_blocks

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
BUDGET = 150 * 1024  # bytes a reader downloads for a page's first load, gzip-compressed
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


# ---------------------------------------------------------------------------------------------
# Fixtures: a server, a browser, a page that records what goes wrong
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed (apt-get install chromium): browser tests skipped"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Visit:
    """A fresh browser context that aborts off-loopback requests and records trouble."""

    def __init__(self, browser, viewport=DESKTOP, **options):
        self.context = browser.new_context(viewport=viewport, **options)
        self.off_origin: list[str] = []
        self.errors: list[str] = []
        self.loaded: dict[str, int] = {}
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfinished", self._finished)

    def _route(self, route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.off_origin.append(route.request.url)
            route.abort()

    def _finished(self, request):
        response = request.response()
        if response is not None:
            try:  # what a reader downloads from a server that compresses (ours sends it raw)
                self.loaded[request.url] = len(gzip.compress(response.body(), mtime=0))
            except Exception:  # noqa: BLE001 - a body the browser already dropped
                pass

    def open(self, url, settled=True):
        """Open a page. `settled`: wait until the network has been quiet for 500 ms (late
        requests land); otherwise until the load event and the fonts, enough to measure layout."""
        self.page.goto(url, wait_until="networkidle" if settled else "load")
        if not settled:
            self.page.evaluate("document.fonts.ready")
        return self.page


@pytest.fixture
def visit(browser):
    visits = []

    def make(**options):
        visits.append(Visit(browser, **options))
        return visits[-1]

    yield make
    for v in visits:
        v.context.close()


@pytest.fixture(scope="session")
def desktop(browser, base_url):
    """Each page opened once at desktop size in its own fresh context, shared by the checks."""
    opened: dict[str, Visit] = {}

    def get(path):
        if path not in opened:
            v = Visit(browser)
            v.open(base_url + path).evaluate("document.fonts.ready")
            v.page.wait_for_timeout(300)  # let late requests (search index, fonts) land
            opened[path] = v
        return opened[path]

    yield get
    for v in opened.values():
        v.context.close()


@pytest.fixture(scope="session")
def phone(browser, base_url):
    """Each page opened once at phone size (390 px, touch), shared by the layout checks."""
    opened: dict[str, Visit] = {}

    def get(path):
        if path not in opened:
            opened[path] = Visit(browser, viewport=PHONE, is_mobile=True, has_touch=True)
            opened[path].open(base_url + path, settled=False)
        return opened[path]

    yield get
    for v in opened.values():
        v.context.close()


def page_ids():
    """Every page: the chapters and home, and the notebook page of each hand-written chapter."""
    chapters = [p.stem for p in sorted((ROOT / "docs").glob("*.md"))]
    return chapters + ["notebooks"] + [f"notebooks/{c.stem}" for c in CHAPTERS]


@pytest.fixture(params=page_ids())
def path(request, site):
    name = "" if request.param == "index" else request.param
    assert (site / name / "index.html").exists(), f"no page {name}"
    return f"{name}/" if name else ""


def shot(page, path, kind):
    """A full-page screenshot under test-artifacts/screenshots/, when LINREG_SCREENSHOTS is set
    (`make screenshots`): a record for a person to look at, not a check, and a second or two a
    page, so `make test` leaves it out."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if not os.environ.get("LINREG_SCREENSHOTS"):
        return
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "-") or "index"
    try:  # a busy machine may be too slow for it
        page.screenshot(path=folder / f"{name}-{kind}.png", full_page=True, timeout=90_000)
    except PlaywrightTimeout:
        print(f"no screenshot of {path} ({kind}): it took over 90 s")


# ---------------------------------------------------------------------------------------------
# Every page
# ---------------------------------------------------------------------------------------------

MATH_REPORT = r"""() => {
  const article = document.querySelector("article");
  const spans = [...article.querySelectorAll(".arithmatex")];
  return {
    formulas: spans.length,
    unrendered: spans.filter(s => !s.querySelector(".katex")).length,
    errors: article.querySelectorAll(".katex-error").length,
    rawTex: /\\\(|\\\[|\$\$|\\frac|\\partial|\\sum/.test(article.innerText),
    fontsReady: spans.length === 0 || document.fonts.check("16px KaTeX_Main"),
  };
}"""


def test_page_loads_clean_offline_with_math_rendered(desktop, path):
    v = desktop(path)
    math = v.page.evaluate(MATH_REPORT)
    shot(v.page, path, "desktop")
    assert v.errors == [], f"console errors on /{path}"
    assert v.off_origin == [], f"requests off the site from /{path}"
    assert math["unrendered"] == 0 and math["errors"] == 0 and not math["rawTex"], math
    assert math["fontsReady"], "KaTeX fonts did not load"


def test_first_load_fits_the_page_weight_budget(desktop, path):
    """Everything the first load fetches (HTML, CSS, JS, fonts, search index) until idle,
    counted as a server that compresses would send it (gzip, level 9)."""
    v = desktop(path)
    total = sum(v.loaded.values())
    record = ARTIFACTS / "page-weight" / f"{path.strip('/').replace('/', '-') or 'index'}.json"
    record.parent.mkdir(parents=True, exist_ok=True)  # one file a page: tests may run in parallel
    files = {urlsplit(url).path: size for url, size in sorted(v.loaded.items(), key=lambda kv: -kv[1])}
    record.write_text(json.dumps({"page": "/" + path, "bytes": total, "files": files}, indent=1))
    assert total <= BUDGET, f"/{path}: {total / 1024:.0f} KiB > {BUDGET / 1024:.0f} KiB"


def test_no_serious_accessibility_violations(desktop, path):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(desktop(path).page)
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], results.generate_report()


def test_phone_width_has_no_horizontal_overflow(phone, path):
    page = phone(path).page
    overflow = page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      const clipped = e => {  // an ancestor that scrolls or hides its overflow, inside the page
        for (let a = e.parentElement; a && a.tagName !== "ARTICLE"; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== "visible" && a.getBoundingClientRect().right <= width + 1)
            return true;
        }
        return false;
      };
      return [...document.querySelectorAll("article *")]
        .filter(e => e.getBoundingClientRect().right > width + 1 && !clipped(e))
        .filter(e => !e.closest(".katex-mathml"))  // visually hidden MathML for screen readers
        .map(e => e.tagName + "." + e.getAttribute("class")).slice(0, 5)
        .concat(document.documentElement.scrollWidth > width ? ["<page scrolls sideways>"] : []);
    }""")
    shot(page, path, "phone")
    assert overflow == []


WIDTHS = r"""() => {
  const wide = (selector) => [...document.querySelectorAll(selector)]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => (e.innerText || "").replace(/\s+/g, " ").slice(0, 60));
  return {formulas: wide("article div.arithmatex"), outputs: wide("article .exec-output pre > samp")};
}"""


@pytest.mark.parametrize("width", ["1280", "390"])
def test_no_formula_is_wider_than_its_column(desktop, phone, path, width):
    """Every display formula fits its column, at desktop and at phone width: none hides part
    of itself behind a sideways scroll. At 1280 px, no output box needs one either."""
    wide = (desktop if width == "1280" else phone)(path).page.evaluate(WIDTHS)
    assert wide["formulas"] == []
    if width == "1280":
        assert wide["outputs"] == []


# ---------------------------------------------------------------------------------------------
# Interactions
# ---------------------------------------------------------------------------------------------


def test_math_stays_rendered_after_instant_navigation(visit, base_url):
    v = visit()
    page = v.open(base_url + "05-loss/")
    page.locator("a.md-footer__link--next").click()  # instant navigation: no full page load
    page.wait_for_url("**/06-gradients/")
    page.wait_for_load_state("networkidle")
    math = page.evaluate(MATH_REPORT)
    assert math["formulas"] > 0 and math["unrendered"] == 0 and not math["rawTex"], math
    assert v.errors == [] and v.off_origin == []


def test_copy_button_copies_exactly_the_code_shown(visit, base_url, site):
    v = visit(permissions=["clipboard-read", "clipboard-write"])
    page = v.open(base_url + "01-data/")
    blocks = page.locator("div.language-python.highlight")
    annotated = next(i for i in range(blocks.count())
                     if blocks.nth(i).locator(".md-annotation").count())
    block = blocks.nth(annotated)
    shown = block.evaluate("""b => {
      const code = b.querySelector("code").cloneNode(true);
      code.querySelectorAll(".md-annotation").forEach(a => a.remove());
      return code.innerText;
    }""")
    block.hover()
    block.locator("button[data-md-type='copy']").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == shown.rstrip()
    html = (site / "01-data" / "index.html").read_text(encoding="utf-8")
    assert copied in [b.code for b in code_blocks(html)]  # what the copy-paste test pastes
    assert "(1)" not in copied


def test_dark_mode_switches_and_math_stays_legible(visit, base_url):
    v = visit()
    page = v.open(base_url + "05-loss/")
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    before = page.evaluate(scheme)
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    page.wait_for_function(f"{scheme} !== '{before}'")
    assert {before, page.evaluate(scheme)} == {"default", "slate"}
    contrast = page.evaluate("""() => {
      const lum = c => { const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number)
          .map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const katex = document.querySelector("article .katex");
      const fg = lum(getComputedStyle(katex).color);
      const bg = lum(getComputedStyle(document.querySelector(".md-main")).backgroundColor
                     .replace(/rgba\\(0, 0, 0, 0\\)/, getComputedStyle(document.body).backgroundColor));
      return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    }""")
    assert contrast >= 4.5, f"math contrast {contrast:.1f}:1 in {page.evaluate(scheme)}"


def test_search_finds_a_chapter_by_a_word_in_it(visit, base_url):
    v = visit()
    page = v.open(base_url)
    page.locator("label.md-header__button[for='__search']").click() \
        if page.locator("input.md-search__input:visible").count() == 0 else None
    page.fill("input.md-search__input", "gradient")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("06-gradients" in h for h in hrefs), hrefs


# ---------------------------------------------------------------------------------------------
# Explorables: driven like a reader, compared with the same computation in torch
# ---------------------------------------------------------------------------------------------


def explorable(page, kind):
    """The mounted explorable of that kind, and the data the page's run exported to it."""
    node = page.locator(f'[data-explorable="{kind}"][data-explorable-ready]')
    node.wait_for(timeout=10000)
    return node, json.loads(node.locator("script.explorable-data").text_content())


def shown(node, name: str) -> float:
    return float(node.locator(f"output.{name}").first.inner_text().replace(",", "").replace("\u2212", "-"))


def close_to(value: float, expected: float, text: str) -> bool:
    """Equal to the precision shown: within half a unit of the last digit printed (and float32's
    own rounding, for numbers printed with more digits than float32 keeps)."""
    mantissa, _, exponent = text.replace(",", "").partition("e")
    digits = (len(mantissa.split(".")[1]) if "." in mantissa else 0) - int(exponent or 0)
    return abs(value - expected) <= 0.5 * 10 ** -digits + 4e-7 * abs(expected)


def line_mse(data, w, b) -> float:
    """The page's own computation, in torch float32: mse(w * rain + b, apples)."""
    import torch

    from linreg import mse

    rain, apples = torch.tensor(data["x"]), torch.tensor(data["y"])
    return mse(torch.tensor(w) * rain + torch.tensor(b), apples).item()


def test_fit_line_follows_mouse_keyboard_and_touch_and_matches_torch(visit, base_url):
    v = visit(has_touch=True)
    page = v.open(base_url + "05-loss/")
    node, data = explorable(page, "fit-line")
    mse_text = lambda: node.locator("output.mse").inner_text()  # noqa: E731
    assert shown(node, "w") == data["start"]["w"] and close_to(
        shown(node, "b"), data["start"]["b"], node.locator("output.b").inner_text())
    assert close_to(shown(node, "mse"), line_mse(data, data["start"]["w"], data["start"]["b"]), mse_text())
    weight, bias = node.get_by_label("weight w"), node.get_by_label("bias b")
    weight.focus()
    for _ in range(40):  # the keyboard: forty steps of 0.001
        page.keyboard.press("ArrowRight")
    assert shown(node, "w") == pytest.approx(0.04)
    assert close_to(shown(node, "mse"), line_mse(data, float(weight.input_value()), data["start"]["b"]),
                    mse_text())
    box = bias.bounding_box()  # the mouse: a click a quarter of the way along the bias slider
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + box["height"] / 2)
    b = float(bias.input_value())
    assert b != data["start"]["b"] and close_to(shown(node, "b"), b, "0.0")
    assert close_to(shown(node, "mse"), line_mse(data, float(weight.input_value()), b), mse_text())
    box = weight.bounding_box()  # touch: a tap near the right end of the weight slider
    page.touchscreen.tap(box["x"] + 0.6 * box["width"], box["y"] + box["height"] / 2)
    w = float(weight.input_value())
    assert w > 0.5 and close_to(shown(node, "mse"), line_mse(data, w, b), mse_text())
    node.get_by_role("button", name="Show the best line").click()
    best = line_mse(data, data["best"]["w"], data["best"]["b"])
    assert close_to(shown(node, "mse"), best, mse_text()) and mse_text() == node.locator(
        "output.best").inner_text()
    node.get_by_role("button", name="Reset").click()
    assert close_to(shown(node, "mse"), line_mse(data, data["start"]["w"], data["start"]["b"]), mse_text())
    assert v.errors == [] and v.off_origin == []


def descend(data, lr, updates):
    """linreg.train from the exported start for `updates` epochs, then the loss: torch float32."""
    import torch

    from linreg import model, mse, train

    x, y = torch.tensor(data["x"]), torch.tensor(data["y"])
    w = torch.tensor(data["w"]).requires_grad_()
    b = torch.tensor(data["b"]).requires_grad_()
    if updates:
        train(x, y, w, b, lr=lr, epochs=updates)
    return mse(model(x, w, b), y).item()


def test_learning_rate_explorable_steps_like_linreg_train_and_says_when_it_diverges(visit, base_url):
    v = visit()
    page = v.open(base_url + "11-learning-rate/")
    node, data = explorable(page, "descent")
    text = lambda: node.locator("output.loss").inner_text()  # noqa: E731
    eta = node.get_by_label("learning rate η")
    assert float(eta.input_value()) == data["logEta"]["value"]
    lr = 10 ** data["logEta"]["value"]  # it opens on the whole run the page's code drew
    assert shown(node, "step-count") == data["epochs"]
    assert close_to(shown(node, "loss"), descend(data, lr, data["epochs"]), text())
    node.get_by_role("button", name="Reset").click()
    assert shown(node, "step-count") == 0
    node.get_by_role("button", name="10 steps").click()
    node.get_by_role("button", name="10 steps").click()
    assert shown(node, "step-count") == 20
    assert close_to(shown(node, "loss"), descend(data, lr, 20), text())
    eta.focus()
    for _ in range(10):  # ten steps of 0.05 down the log scale: η = 10^-5.5, run at once
        page.keyboard.press("ArrowLeft")
    lr = 10 ** float(eta.input_value())
    assert shown(node, "step-count") == data["epochs"]
    assert close_to(shown(node, "loss"), descend(data, lr, data["epochs"]), text())
    node.get_by_role("button", name="Reset").click()
    for _ in range(3):
        node.get_by_role("button", name="Step", exact=True).click()
    assert close_to(shown(node, "loss"), descend(data, lr, 3), text())
    assert "below 2/λmax" in node.locator(".explorable-readout").inner_text()
    eta.focus()
    page.keyboard.press("End")  # the largest η offered, above the limit: it overflows at once
    lr = 10 ** float(eta.input_value())
    assert lr > 2 / data["lambdaMax"]
    assert "overflowed" in node.locator(".verdict").inner_text()
    node.get_by_role("button", name="Reset").click()
    node.get_by_role("button", name="10 steps").click()
    assert close_to(shown(node, "loss"), descend(data, lr, 10), text())
    assert node.locator(".verdict.diverges").count() == 1
    assert "above 2/λmax" in node.locator(".verdict").inner_text()
    node.get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.querySelector('[data-explorable=descent] .verdict')"
                           ".textContent.includes('overflowed')", timeout=30000)
    overflowed_after = int(shown(node, "step-count"))
    from linreg import train
    import torch
    with pytest.raises(FloatingPointError, match=rf"at epoch {overflowed_after} "):
        train(torch.tensor(data["x"]), torch.tensor(data["y"]), torch.tensor(data["w"]).requires_grad_(),
              torch.tensor(data["b"]).requires_grad_(), lr=lr, epochs=data["epochs"])
    assert v.errors == []


def valley_run(panel, y, lr, steps):
    """Gradient descent on apples ~ w·feature + b from the panel's start, in torch float32."""
    import torch

    from linreg import model, mse

    x, target = torch.tensor(panel["x"])[:, None], torch.tensor(y)[:, None]
    w = torch.tensor([[panel["start"]["w"]]], requires_grad=True)
    b = torch.tensor([panel["start"]["b"]], requires_grad=True)
    for _ in range(steps):
        mse(model(x, w, b), target).backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.item(), b.item(), mse(model(x, w, b), target).item()


def test_scaling_explorable_runs_both_valleys_like_torch(visit, base_url):
    v = visit(viewport=PHONE, is_mobile=True, has_touch=True)
    page = v.open(base_url + "11-learning-rate/")
    node, data = explorable(page, "valley")
    share = node.get_by_label("step η as a share of each panel's 2/λmax")
    share.focus()
    for _ in range(6):  # 0.05 a press: from the chapter's share up by 0.3
        page.keyboard.press("ArrowRight")
    fraction = float(share.input_value())
    assert fraction == pytest.approx(data["fraction"]["value"] + 0.3)
    panels = node.locator(".explorable-panel")

    def agrees_with_torch(steps):
        for k, panel in enumerate(data["panels"]):
            here = panels.nth(k)
            w, b, loss = valley_run(panel, data["y"], fraction * 2 / panel["lambdaMax"], steps)
            assert shown(here, "step-count") == steps
            for name, value in (("w", w), ("b", b), ("loss", loss)):
                assert close_to(shown(here, name), value, here.locator(f"output.{name}").inner_text()), name

    agrees_with_torch(data["panels"][0]["steps"])  # a new share reruns every step at once
    node.get_by_role("button", name="Reset").tap()
    node.get_by_role("button", name="10 steps").tap()
    node.get_by_role("button", name="Step", exact=True).tap()
    agrees_with_torch(11)
    assert v.errors == []


def test_explorables_leave_their_static_figure_without_javascript(browser, base_url):
    v = Visit(browser, java_script_enabled=False)
    try:
        page = v.open(base_url + "11-learning-rate/")
        for kind in ("descent", "valley"):
            figure = page.locator(f'[data-explorable="{kind}"] figure.exec-plot img').first
            assert figure.is_visible()
        assert page.locator(".explorable-ui").count() == 0
    finally:
        v.context.close()


def test_explorables_mount_after_instant_navigation(visit, base_url):
    v = visit()
    page = v.open(base_url + "04-model/")
    page.locator("a.md-footer__link--next").click()  # instant navigation to chapter 5
    page.wait_for_url("**/05-loss/")
    node, data = explorable(page, "fit-line")
    assert close_to(shown(node, "mse"), line_mse(data, data["start"]["w"], data["start"]["b"]),
                    node.locator("output.mse").inner_text())
    assert v.errors == [] and v.off_origin == []


# ---------------------------------------------------------------------------------------------
# The whole book on one page
# ---------------------------------------------------------------------------------------------


BOOK_REPORT = r"""() => {
  const article = document.querySelector("article");
  const spans = [...article.querySelectorAll(".arithmatex")];
  return {
    formulas: spans.length,
    unrendered: spans.filter(s => !s.querySelector(".katex")).length,
    rawTex: /\\\(|\\\[|\$\$/.test(article.textContent.replace(/<annotation[^]*?annotation>/g, "")),
    images: [...article.querySelectorAll("img")].map(i =>
      [i.getAttribute("src"), i.complete && i.naturalWidth > 0, getComputedStyle(i).display]),
  };
}"""


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_whole_book_on_one_page_in_either_scheme(visit, base_url, site, scheme):
    """book/ holds every chapter, typeset, with every figure of the scheme loaded."""
    v = visit(color_scheme=scheme)
    page = v.open(base_url + "book/")
    # Material picks the palette for the reader's preference once its script has run, which on
    # a long page can come after the network is idle (it failed once: light figures in dark)
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === "
                           f"'{'slate' if scheme == 'dark' else 'default'}'")
    book = page.evaluate(BOOK_REPORT)
    assert book["formulas"] > 100 and book["unrendered"] == 0 and not book["rawTex"]
    suffix = "#only-dark" if scheme == "dark" else "#only-light"
    shown = [src for src, _, display in book["images"] if display != "none"]
    figures = sum((site / c.stem / "index.html").read_text(encoding="utf-8").count(
        '<figure class="exec-plot">') for c in CHAPTERS)
    assert len(shown) == figures and all(src.endswith(suffix) for src in shown)
    assert all(loaded for src, loaded, _ in book["images"] if src.endswith(suffix))
    headings = page.locator("article h1").all_inner_texts()
    titles = [p.read_text(encoding="utf-8").split("\n", 1)[0][2:] for p in CHAPTERS]
    assert [t for t in (h.rstrip("¶").strip() for h in headings) if t in titles] == titles
    assert v.errors == [] and v.off_origin == []


@pytest.mark.slow
def test_the_whole_book_prints_to_pdf_chapter_by_chapter(visit, base_url, tmp_path):
    """Printed by Chromium, the book's PDF has a bookmark per chapter, in order, each on a
    later page than the one before, and the chapters' pages hold their text."""
    from pypdf import PdfReader

    page = visit().open(base_url + "book/")
    page.emulate_media(media="print")
    pdf = tmp_path / "book.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True, outline=True, tagged=True)
    reader = PdfReader(pdf)

    def flat(items):
        for item in items:
            if isinstance(item, list):
                yield from flat(item)
            else:
                yield item.title, reader.get_destination_page_number(item)

    titles = [p.read_text(encoding="utf-8").split("\n", 1)[0][2:] for p in CHAPTERS]
    marks = {title: number for title, number in flat(reader.outline)}
    starts = [marks[t] for t in titles]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert len(reader.pages) > 2 * len(titles)
    for title, start in zip(titles[::4], starts[::4]):  # a sample of chapters, read back
        assert title in reader.pages[start].extract_text()
