"""One figure style for the whole book."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the book's Matplotlib style (idempotent)."""
    mpl.rcParams.update(STYLE)


def panels(n: int = 1, *, width: float = 4.2, height: float = 3.3, **kw):
    """A row of ``n`` axes with the book's panel size; returns ``(fig, axes)``."""
    use_style()
    fig, axes = plt.subplots(1, n, figsize=(width * n, height), layout="constrained", squeeze=False, **kw)
    return fig, axes[0] if n > 1 else axes[0, 0]


def colors(n: int, cmap: str = "viridis"):
    """``n`` colours spread over a colormap (ordered: small parameter -> dark)."""
    cm = mpl.colormaps[cmap]
    return [cm(x) for x in ([0.5] if n == 1 else [0.1 + 0.75 * i / (n - 1) for i in range(n)])]


def tex_num(x: float) -> str:
    """A positive number as LaTeX for titles and legends: ``10^{k}`` for a power of ten, else ``m\\times10^{e}``.

    Examples
    --------
    >>> tex_num(1e-3)
    '10^{-3}'
    >>> tex_num(2.5e-7)
    '2.5\\\\times10^{-7}'
    """
    import math

    k = math.log10(float(x))
    if abs(k - round(k)) < 1e-9:
        return f"10^{{{int(round(k))}}}"
    m, e = f"{float(x):.1e}".split("e")
    return rf"{float(m):g}\times10^{{{int(e)}}}"
