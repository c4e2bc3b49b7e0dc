"""No hand-typed measured numbers in the chapters' prose.

Every measured number and verdict in a chapter's Markdown must come from the computation
(``{glue:md}`name``` from :func:`lidlib.book.claims.glue_text`, or Markdown the code displays),
so the text is right at every profile and seed. Typed numbers are allowed only when they
are visibly marked as what they are:

- ``{paper}`0.35``` -- a number quoted from the papers (rendered with a "paper" tag);
- ``{set}`0.05```   -- a setting or threshold this book fixed before running;
- inside mathematics (``$...$``), which holds notation and settings -- except after an
  approximation sign (``\\approx``, ``\\simeq``, ``≈``), which is how measured values are
  written;
- references (``Eq. 4.2``, ``Section 3.1``, ``Fig. 6``), model names (``Pythia-2.8B``),
  links, code and roles such as ``{doc}``.

Outside those, the scanner flags decimal numbers (``0.75``), percentages (``5%``) and
numbers after approximation words (``about 70``, ``roughly 3``, ``factor of 716``,
``716 times``). It cannot recognise a measured integer typed without such a word; the
glue convention covers those too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.md"))

_REF = (
    r"(?:Eqs?\.|Equations?|Secs?\.|Sections?|Figs?\.|Figures?|App\.|Appendix|Appendices|Tables?|Props?\."
    r"|Propositions?|Cor\.|Corollary|Def\.|Definition|Lemma|Thm\.|Theorem|Ass\.|Assumption|Remark|§)"
    r"\s*[A-Z]?\d+(?:\.\d+)*(?:\s*(?:[–-]|and|,)\s*[A-Z]?\d+(?:\.\d+)*)*"
)
_MODEL = r"\b\d+(?:\.\d+)?[BM]\b"
_APPROX_WORDS = r"(?:about|around|roughly|nearly|almost|just under|just over|factor(?: of)?|≈|~)"
_FLAG = re.compile(
    r"(?<![\w.^{\\/])\d*\.\d+(?![\w.])"  # a decimal number
    r"|(?<![\w.])\d+(?:\.\d+)?\s?(?:%|per ?cent\b)"  # a percentage
    r"|" + _APPROX_WORDS + r"\s+\$?\d+"  # about 70, factor of 716
    r"|\b\d+(?:\.\d+)?\s?(?:×|times\b)"  # 716x, 2.5 times
)
_MATH_APPROX = re.compile(
    r"(?:\\approx|\\simeq|≈)\s*-?\d+(?:\.\d+)?(?![\d/a-zA-Z_^({]|\\[a-zA-Z])"
)  # not a coefficient


def markdown_cells(path: Path) -> list[str]:
    """The Markdown cells of a Jupytext MyST notebook (code cells dropped)."""
    text = path.read_text()
    text = re.sub(r"^---\n.*?\n---\n", "", text, count=1, flags=re.S)  # front matter
    text = re.sub(r"^```\{code-cell\}.*?^```\s*$", "\n+++\n", text, flags=re.S | re.M)
    return [c for c in re.split(r"^\+\+\+.*$", text, flags=re.M) if c.strip()]


def typed_numbers(markdown: str) -> list[str]:
    """Typed numbers in one Markdown cell that look measured (see the module docstring)."""
    s = re.sub(r"^(```|~~~).*?^\1\s*$", "", markdown, flags=re.S | re.M)  # fenced blocks
    s = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", s)  # roles incl. glue, paper, set
    s = re.sub(r"`[^`]*`", " ", s)  # code spans
    s = re.sub(r"\]\([^)]*\)|https?://\S+", " ", s)  # link targets, URLs
    s = re.sub(r"<[^>]+>", " ", s)  # raw HTML tags
    s = re.sub(r"^\((.*?)\)=\s*$", " ", s, flags=re.M)  # MyST targets
    hits: list[str] = [m.group(0) for m in re.finditer(_APPROX_WORDS + r"\s+\$\s*-?\d", s)]  # about $7...$
    # mathematics: only approximate values are flagged
    for m in re.finditer(r"\$\$(.+?)\$\$|\$([^$]+)\$", s, flags=re.S):
        hits += [f"${x.group(0)}...$" for x in _MATH_APPROX.finditer(m.group(1) or m.group(2))]
    s = re.sub(r"\$\$(.+?)\$\$|\$([^$]+)\$", " ", s, flags=re.S)
    s = re.sub(_REF, " ", s)
    s = re.sub(_MODEL, " ", s)
    hits += [m.group(0).strip() for m in _FLAG.finditer(s)]
    return hits


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_hand_typed_measured_numbers(path):
    bad = []
    for cell in markdown_cells(path):
        for hit in typed_numbers(cell):
            line = next((ln.strip() for ln in cell.splitlines() if hit.strip("$.") in ln), "")
            bad.append(f"{hit!r} in: {line[:100]}")
    assert not bad, (
        f"{path.name}: numbers typed into the prose; glue measured values ({{glue:md}}`name`), mark the "
        "papers' numbers {paper}`...` and the book's settings {set}`...`:\n  " + "\n  ".join(bad)
    )


@pytest.mark.parametrize(
    "text, n",
    [
        ("kappa about 0.75 in the quick profile", 1),  # decimal after 'about'
        ("just under our 0.95 bar", 1),
        ("it costs up to 80% more", 1),
        ("apart by 7 to 26 percent", 1),
        ("shrinks by a factor of 716", 1),
        ("the 2.5 times more samples", 1),
        ("$\\hat b \\approx 0.44$ from the fit", 1),
        ("a floor of about $7\\times10^{-7}$", 1),
        ("Eq. 4.2 and Section 3.1 of the paper, Fig. 6", 0),
        ("Pythia-2.8B and Llama-3-8B", 0),
        ("the paper quotes {paper}`0.35`; we use {set}`0.05` and find {glue:md}`b_fit`", 0),
        ("window $\\delta/\\sigma = 0.1$ and `tol=0.05`", 0),
        ("$\\ln L \\approx -2\\sigma\\sqrt{x}$ and $k\\approx 2/c^2$", 0),
        ("$\\approx0.6\\%$ here", 1),
    ],
)
def test_scanner_flags_measured_numbers_and_spares_marked_ones(text, n):
    assert len(typed_numbers(text)) == n, typed_numbers(text)


def test_markdown_cells_drop_code():
    src = "# T\n\ntext 0.5\n\n```{code-cell} ipython3\nx = 0.25\n```\n\nmore\n"
    cells = markdown_cells_from_text(src)
    assert any("0.5" in c for c in cells) and not any("0.25" in c for c in cells)


def markdown_cells_from_text(text: str) -> list[str]:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as fh:
        fh.write(text)
    return markdown_cells(Path(fh.name))
