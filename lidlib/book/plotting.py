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


def label_histogram_panel(
    ax, shares, mean: float, var: float, eps_v: float, *, title: bool = True, legend: bool = False
):
    r"""Histogram of one image's human labels and its target law :math:`\mathcal N(m, v + \epsilon_v)`.

    Parameters
    ----------
    ax : matplotlib Axes
    shares : array (C,)
        Share of annotators per class index ``0..C-1``.
    mean, var : float
        The label mean ``m`` and variance ``v`` of Sec. 5.1 (class index as value).
    eps_v : float
        Variance floor of Eq. 27.
    title, legend : bool
        Show ``m, v`` as the title; add a legend for both axes.

    Returns
    -------
    matplotlib Axes
        The twin axis that holds the Gaussian.
    """
    import numpy as np
    from scipy import stats

    shares = np.asarray(shares, dtype=float)
    C = shares.size
    ax.bar(np.arange(C), shares, color="0.7", label="human labels")
    grid = np.linspace(-1, C, 600)
    sd = float(np.sqrt(var + eps_v))
    ax2 = ax.twinx()
    lab = r"$\mathcal{N}(m_i, v_i+\epsilon_v)$"
    if sd < 0.05:  # narrower than the plotting grid: draw the spike itself
        ax2.vlines(mean, 0, 1, color="C3", label=lab)
        ax2.set_ylim(0, 1.1)
    else:
        pdf = stats.norm.pdf(grid, mean, sd)
        ax2.plot(grid, pdf, color="C3", label=lab)
        ax2.set_ylim(0, pdf.max() * 1.1)
    ax2.set_yticks([])
    ax2.grid(False)
    ax.set(xticks=range(C), ylim=(0, 1.05), xlim=(-0.8, C - 0.2))
    ax.set_xlabel("class index $c$")
    if title:
        ax.set_title(f"$m$ = {mean:.2f}, $v$ = {var:.2f}", fontsize=8.5)
    if legend:
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left")
    return ax2


def allocation_map(
    ax,
    shares,
    yvals,
    Z,
    x_opt,
    x_theory,
    theory_label: str,
    *,
    title: str,
    ylabel: str,
    kinds=None,
    extra=None,
    levels: int = 12,
):
    r"""One panel of Figure 2: :math:`\log_{10}\mathcal L_{tot}` over the training share and a weight or budget.

    Parameters
    ----------
    ax : matplotlib Axes
    shares : array (n_share,)
        Training shares ``N c_N / C`` (plotted on a logit axis).
    yvals : array (n_y,)
        Weights ``R`` or budgets (log axis).
    Z : array (n_y, n_share)
        The objective.
    x_opt, x_theory : arrays (n_y,)
        Optimal share and a theory prediction (drawn black and white dashed).
    theory_label : str
    title, ylabel : str
    kinds : array of str, optional
        ``"all-inference"``/``"all-training"`` marks boundary optima (red triangles).
    extra : array (n_y,), optional
        A second optimum to compare with (grey dotted, "finite-N optimum").

    Returns
    -------
    QuadMesh
        For a colour bar.
    """
    import numpy as np

    logZ = np.log10(Z)
    im = ax.pcolormesh(shares, yvals, logZ, shading="nearest", cmap="viridis")
    if np.isfinite(logZ).sum() > 4:
        ax.contour(shares, yvals, logZ, levels=levels, colors="w", linewidths=0.3, alpha=0.5)
    ax.plot(x_opt, yvals, "k-", lw=2.2, label="grid optimum")
    ax.plot(x_theory, yvals, color="w", ls="--", lw=1.6, label=theory_label)
    if extra is not None:
        ax.plot(extra, yvals, color="0.6", ls=":", lw=1.6, label="finite-N optimum")
    if kinds is not None:
        kd = np.asarray(kinds)
        for kind, mk in (("all-inference", "<"), ("all-training", ">")):
            sel = kd == kind
            if sel.any():
                ax.plot(
                    np.asarray(x_opt)[sel],
                    np.asarray(yvals)[sel],
                    mk,
                    color="tab:red",
                    ms=5,
                    clip_on=False,
                    label=kind.replace("-", " ") + " (boundary)",
                )
    ax.set(
        xscale="logit",
        yscale="log",
        xlabel=r"training share $N c_N / C$",
        ylabel=ylabel,
        title=title,
        xlim=(shares[0], shares[-1]),
    )
    return im
