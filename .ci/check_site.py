"""Check the rendered site: every chapter of _toc.yml has an HTML page with at least
one figure and no error output.  Exit status 1 with one line per problem otherwise."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

from lidlib.book.build import GENERATED, toc_chapters


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images = 0
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "img" and a.get("src", "").endswith((".png", ".svg", ".jpg")):
            self.images += 1
        if any(c in cls.split() for c in ("traceback", "stderr", "error")):
            self.errors.append(f"<{tag} class='{cls}'>")


def main(root: Path) -> int:
    problems = []
    html = root / "_build" / "html"
    if not (html / "index.html").is_file():
        problems.append("no _build/html/index.html")
    chapters = toc_chapters(root)
    for ch in chapters:
        page = html / GENERATED / f"{ch}.html"
        if not page.is_file():
            problems.append(f"{ch}: no page {page}")
            continue
        scan = _Scan()
        scan.feed(page.read_text())
        if scan.images < 1:
            problems.append(f"{ch}: no figure in {page}")
        if scan.errors:
            problems.append(f"{ch}: error output in {page}: {scan.errors[:3]}")
        if "Traceback (most recent call last)" in page.read_text():
            problems.append(f"{ch}: a traceback is printed in {page}")
    for p in problems:
        print(f"check_site: {p}", file=sys.stderr)
    if not problems:
        print(f"check_site: {len(chapters)} chapter(s) rendered with figures and no error output")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
