"""Open every page of the built site in headless Chromium and check it.

For each HTML page under ``_build/html`` (served on localhost, as a reader's browser
would see it): the page loads; every image has a non-zero natural width; every
internal link points to a file of the site (and a same-page ``#anchor`` to an
element that exists); pages with mathematics have it typeset by MathJax served from
the site itself (no CDN), with no MathJax error; no resource of the site itself fails
to load; no script, style sheet, font or image is requested from another host; and
every explorer (``lidlib.book.explore``) answers a moved slider with a different figure,
without a kernel.

A screenshot of every page goes to ``_build/screenshots/`` (the top of the page, and
for pages with an explorer a second one with the explorer in view after its slider moved).

Usage: ``python .ci/browser_check.py [ROOT]`` (needs Debian's chromium and
chromium-driver, and the ``selenium`` package).  Exit status 1 with one line per
problem.
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1280,900",
)
# Console messages of the theme itself, not of this book, reported as notes:
# pydata-sphinx-theme logs this with console.error on a first visit, when no colour
# mode is stored yet, and then falls back to "auto" (sphinx-book-theme 1.1 leaves
# data-mode empty).
KNOWN_UPSTREAM = ("Got invalid theme mode",)

_PAGE_STATE = """
const done = arguments[arguments.length - 1];
const finish = (mj) => {
  const imgs = Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
                   .map(i => i.getAttribute('src'));
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  const scripts = Array.from(document.scripts).map(s => s.src).filter(s => s);
  const resources = performance.getEntriesByType('resource').map(r => r.name);
  const explorers = Array.from(document.querySelectorAll('.lidlib-explorer')).map(ex => {
    const img = ex.querySelector('img'), range = ex.querySelector('input[type=range]');
    if (!img || !range) return {ok: false, why: 'no image or no slider'};
    const before = img.src;
    range.value = range.value === range.max ? range.min : range.max;
    range.dispatchEvent(new Event('input'));
    return {ok: img.src !== before && img.src.startsWith('data:image/png'), why: 'the figure did not change'};
  });
  done({badImages: imgs, links: links, scripts: scripts, resources: resources, explorers: explorers,
        mathjax: mj, nImages: document.images.length, title: document.title});
};
const mathOnPage = document.querySelector('.math, span.math, div.math') !== null;
if (!mathOnPage) { finish({needed: false}); }
else if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
  finish({needed: true, loaded: false});
} else {
  MathJax.startup.promise.then(() => finish({needed: true, loaded: true,
      typeset: document.querySelectorAll('mjx-container').length,
      errors: document.querySelectorAll('mjx-merror').length}))
    .catch(e => finish({needed: true, loaded: true, failed: String(e)}));
}
"""


def _serve(html: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep CI output short
            pass

    handler = functools.partial(Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _driver(profile_dir: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={profile_dir}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def check(root: Path) -> tuple[list[str], list[str], int]:
    html = root / "_build" / "html"
    pages = sorted(p for p in html.rglob("*.html") if not p.relative_to(html).parts[0].startswith("_"))
    if not pages:
        return [f"no HTML pages under {html}"], [], 0
    shots = root / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    server, base = _serve(html)
    problems: list[str] = []
    notes: set[str] = set()
    n_explorers = 0
    with tempfile.TemporaryDirectory() as prof:
        driver = _driver(prof)
        driver.set_script_timeout(30)
        driver.set_page_load_timeout(60)
        try:
            for page in pages:
                rel = page.relative_to(html).as_posix()
                url = base + rel
                driver.get(url)
                state = driver.execute_async_script(_PAGE_STATE)
                if not state.get("title"):
                    problems.append(f"{rel}: page has no title (did it load?)")
                for src in state["badImages"]:
                    problems.append(f"{rel}: image with zero natural width: {src}")
                mj = state["mathjax"]
                if mj.get("needed"):
                    if not mj.get("loaded"):
                        problems.append(f"{rel}: page has mathematics but MathJax did not load")
                    elif mj.get("failed") or not mj.get("typeset") or mj.get("errors"):
                        problems.append(f"{rel}: MathJax did not typeset the page cleanly: {mj}")
                for src in state["scripts"]:
                    if "mathjax" in src.lower() and not src.startswith(base):
                        problems.append(f"{rel}: MathJax is loaded from {src}, not from the site")
                for res in sorted(set(state["scripts"]) | set(state["resources"])):
                    if not res.startswith((base, "data:", "blob:", "about:")):
                        problems.append(f"{rel}: requests a resource from another host: {res[:120]}")
                for i, ex in enumerate(state["explorers"]):
                    if not ex["ok"]:
                        problems.append(f"{rel}: explorer {i + 1}: {ex['why']} when its slider moved")
                n_explorers += len(state["explorers"])
                for href in state["links"]:
                    target, frag = urldefrag(href)
                    if not target.startswith(base):
                        continue
                    path = html / unquote(urlparse(target).path.lstrip("/"))
                    if path.is_dir():
                        path = path / "index.html"
                    if not path.is_file():
                        problems.append(f"{rel}: broken internal link {href}")
                    elif frag and path == page:
                        if not driver.execute_script(
                            "return document.getElementById(arguments[0]) !== null;", unquote(frag)
                        ):
                            problems.append(f"{rel}: link to missing anchor #{frag}")
                for entry in driver.get_log("browser"):
                    if entry.get("level") != "SEVERE":
                        continue
                    msg = entry.get("message", "")
                    if any(k in msg for k in KNOWN_UPSTREAM):
                        notes.add("theme: " + msg.split('"')[1] if '"' in msg else msg[:120])
                    elif base in msg:
                        problems.append(f"{rel}: browser error for a site resource: {msg[:200]}")
                    else:
                        notes.add("external resource, not loaded (no network here): " + msg.split(" - ")[0][:120])
                name = rel.removesuffix(".html").replace("/", "__")
                driver.execute_script("window.scrollTo(0, 0)")
                driver.save_screenshot(str(shots / f"{name}.png"))
                if state["explorers"]:
                    driver.execute_script("document.querySelector('.lidlib-explorer').scrollIntoView()")
                    driver.save_screenshot(str(shots / f"{name}__explorer.png"))
        finally:
            driver.quit()
            server.shutdown()
    notes.add(f"{n_explorers} explorer(s) moved")
    return problems, sorted(notes), len(pages)


def self_test() -> None:
    """The check must be able to fail: a tiny site with one of each defect."""
    import base64

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "_build" / "html"
        html.mkdir(parents=True)
        (html / "ok.png").write_bytes(png)
        (html / "index.html").write_text(
            "<html><head><title>ok</title></head><body><img src='ok.png'>"
            "<a href='good.html'>good</a><a href='#here'>here</a><p id='here'></p></body></html>"
        )
        (html / "good.html").write_text("<html><head><title>good</title></head><body>fine</body></html>")
        (html / "bad.html").write_text(
            "<html><head><title>bad</title></head><body><img src='missing.png'>"
            "<a href='nowhere.html'>x</a><a href='#nothing'>y</a>"
            "<span class='math'>\\(x^2\\)</span><script src='https://example.invalid/x.js'></script>"
            "<div class='lidlib-explorer'><img src='ok.png'><input type='range' min='0' max='2' value='0'></div>"
            "</body></html>"
        )
        problems, _, n = check(Path(tmp))
    found = "\n".join(problems)
    expected = [
        "zero natural width: missing.png",
        "broken internal link",
        "missing anchor #nothing",
        "MathJax did not load",
        "site resource",
        "another host: https://example.invalid",
        "explorer 1: the figure did not change",
    ]
    missing = [e for e in expected if e not in found]
    if n != 3 or missing or any(p.startswith(("index.html", "good.html")) for p in problems):
        raise SystemExit(f"browser_check self-test failed: expected {missing} among {problems}")
    print(f"browser_check: self-test ok ({len(problems)} planted defects found, none on the clean pages)")


def main(root: Path) -> int:
    self_test()
    problems, notes, n = check(root)
    for note in notes:
        print(f"browser_check: note: {note}")
    for p in problems:
        print(f"browser_check: {p}", file=sys.stderr)
    if not problems:
        print(
            f"browser_check: {n} page(s) loaded in Chromium; images, internal links, offline MathJax, no other "
            f"hosts and explorers ok; screenshots in _build/screenshots/"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
