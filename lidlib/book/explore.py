"""Explorers that work with a live kernel and on the static site.

:func:`interact` is a drop-in for ``ipywidgets.interact(fn, **controls)`` in the
chapters. It displays one output with two representations:

* ``application/vnd.jupyter.widget-view+json``: the live ``ipywidgets.interactive``,
  which JupyterLab shows (moving a slider calls ``fn`` again);
* ``text/html``: a self-contained explorer for the static site. ``fn`` is called at
  build time on a modest grid of control values, each figure is stored as a PNG, and a
  few lines of inline JavaScript swap the image when a range input moves. It needs no
  kernel, no widget library and nothing from another host.

The site's configuration (``_config.yml``: ``nb_mime_priority_overrides``) drops the
widget view for the HTML builder, so the site shows the static explorer.

Grids: each slider takes ``points`` values between its bounds (log-spaced for
``FloatLogSlider``) plus its default. With one or two controls every combination is
precomputed; with more, the product would be too large for a page, so each control is
varied on its own with the others at their defaults (moving one control resets the
others, and the page says so).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["control_grid", "interact", "precompute", "static_html"]

#: Largest number of precomputed states for which every combination is kept.
MAX_PRODUCT_STATES = 64


def control_grid(name: str, control: Any, points: int = 5) -> tuple[list[Any], int]:
    """Values of one control on the precomputed grid, and the index of its default.

    Parameters
    ----------
    name : str
        The argument name (for error messages).
    control : ipywidgets control, ``ipywidgets.fixed`` or a plain value
        ``FloatSlider``/``IntSlider`` (evenly spaced), ``FloatLogSlider`` (evenly
        spaced exponents), ``Dropdown``/``ToggleButtons`` (every option), ``Checkbox``
        (both), ``fixed(v)`` or a plain value (that value only).
    points : int
        Values per slider, before the default is added.
    """
    import ipywidgets as widgets

    if points < 2:
        raise ValueError(f"points must be >= 2, got {points}")
    if isinstance(control, widgets.fixed):
        return [control.value], 0
    if isinstance(control, widgets.FloatLogSlider):
        exps = np.linspace(control.min, control.max, points)
        vals = [float(control.base**e) for e in exps]
    elif isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
        raw = np.linspace(control.min, control.max, points)
        if control.step:
            raw = control.min + np.round((raw - control.min) / control.step) * control.step
        vals = [int(v) if isinstance(control, widgets.IntSlider) else float(v) for v in raw]
    elif isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)):
        vals = [v if not isinstance(v, tuple) else v[1] for v in control.options]
        return vals, vals.index(control.value)
    elif isinstance(control, widgets.Checkbox):
        return [False, True], int(bool(control.value))
    elif isinstance(control, widgets.Widget):
        raise ValueError(f"control {name!r}: {type(control).__name__} is not supported by lidlib.book.explore")
    else:
        return [control], 0
    default = control.value
    vals = sorted(set(vals) | {default})
    return vals, vals.index(default)


def _states(grids: dict[str, tuple[list[Any], int]]) -> tuple[str, list[tuple[int, ...]]]:
    """The precomputed index tuples: every combination if small enough, else one axis at a time."""
    sizes = [len(v) for v, _ in grids.values()]
    defaults = tuple(d for _, d in grids.values())
    if int(np.prod(sizes)) <= MAX_PRODUCT_STATES:
        return "product", list(itertools.product(*(range(s) for s in sizes)))
    states = {defaults}
    for axis, size in enumerate(sizes):
        for i in range(size):
            states.add(defaults[:axis] + (i,) + defaults[axis + 1 :])
    return "one-at-a-time", sorted(states)


def _figure_png(fn: Callable[..., Any], kwargs: dict[str, Any], dpi: int) -> str:
    """Call ``fn(**kwargs)`` with ``plt.show`` silenced; return its figure as a base64 PNG."""
    import matplotlib.pyplot as plt

    plt.close("all")
    show = plt.show
    plt.show = lambda *a, **k: None
    try:
        fn(**kwargs)
    finally:
        plt.show = show
    figs = [plt.figure(n) for n in plt.get_fignums()]
    if not figs:
        raise ValueError(f"{getattr(fn, '__name__', fn)!r} drew no matplotlib figure for {kwargs}")
    buf = io.BytesIO()
    figs[-1].savefig(buf, format="png", dpi=dpi)
    plt.close("all")
    return base64.b64encode(buf.getvalue()).decode()


def precompute(
    fn: Callable[..., Any], controls: dict[str, Any], points: int = 5, dpi: int = 72, max_controls: int | None = None
) -> dict:
    """Render ``fn`` over the control grid.

    ``max_controls`` limits the precomputation to the first that many controls (the
    others stay at their defaults and get no input on the page): a quick build proves the
    mechanism without paying for every figure.

    Returns
    -------
    dict
        ``names``, ``values`` (per control), ``defaults`` (indices), ``mode``
        ("product" or "one-at-a-time") and ``images`` (state key "i,j,..." -> base64 PNG).
    """
    grids = {n: control_grid(n, c, points) for n, c in controls.items()}
    held: list[str] = []
    if max_controls is not None:
        if max_controls < 1:
            raise ValueError(f"max_controls must be >= 1 or None, got {max_controls}")
        varied = [n for n, (v, _) in grids.items() if len(v) > 1][:max_controls]
        held = [n for n, (v, _) in grids.items() if len(v) > 1 and n not in varied]
        grids = {n: (g if n in varied else ([g[0][g[1]]], 0)) for n, g in grids.items()}
    mode, states = _states(grids)
    names = list(grids)
    images = {}
    for st in states:
        kwargs = {n: grids[n][0][i] for n, i in zip(names, st)}
        images[",".join(map(str, st))] = _figure_png(fn, kwargs, dpi)
    return {
        "names": names,
        "values": [grids[n][0] for n in names],
        "defaults": [grids[n][1] for n in names],
        "mode": mode,
        "images": images,
        "held": held,
    }


def _label(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def static_html(states: dict, title: str = "") -> str:
    """A self-contained HTML explorer over precomputed images (range inputs, inline script)."""
    uid = "lx-" + uuid.uuid4().hex[:8]
    rows = []
    for axis, (name, vals, d) in enumerate(zip(states["names"], states["values"], states["defaults"])):
        if len(vals) == 1:
            continue
        rows.append(
            f'<label style="display:block;margin:2px 0"><span style="display:inline-block;min-width:9em">'
            f"{html.escape(name)}</span>"
            f'<input type="range" min="0" max="{len(vals) - 1}" step="1" value="{d}" data-axis="{axis}" '
            f'aria-label="{html.escape(name)}" style="vertical-align:middle;width:14em"> '
            f"<output>{html.escape(_label(vals[d]))}</output></label>"
        )
    n = len(states["images"])
    note = (
        f"{n} precomputed figures"
        + (
            ": every combination of the values shown"
            if states["mode"] == "product"
            else "; one control varies at a time, the others return to their defaults"
        )
        + (f"; {', '.join(states['held'])} kept at the default in this reduced build" if states.get("held") else "")
        + ". Run the chapter in JupyterLab for a live explorer."
    )
    key0 = ",".join(map(str, states["defaults"]))
    labels = [[_label(v) for v in vals] for vals in states["values"]]
    data = json.dumps(
        {"images": states["images"], "labels": labels, "defaults": states["defaults"], "mode": states["mode"]}
    )
    return f"""<div class="lidlib-explorer" id="{uid}">
{f"<p><strong>{html.escape(title)}</strong></p>" if title else ""}<div class="lx-controls">{"".join(rows)}</div>
<img alt="{html.escape(title or "explorer figure")}" style="max-width:100%" src="data:image/png;base64,{states["images"][key0]}">
<p class="lx-note" style="font-size:85%;color:#555">{html.escape(note)}</p>
<script type="application/json" class="lx-data">{data}</script>
<script>(function () {{
  var root = document.getElementById("{uid}");
  var d = JSON.parse(root.querySelector("script.lx-data").textContent);
  var inputs = root.querySelectorAll("input[type=range]");
  var img = root.querySelector("img");
  function key() {{
    var k = d.defaults.slice();
    inputs.forEach(function (el) {{ k[+el.dataset.axis] = +el.value; }});
    return k.join(",");
  }}
  inputs.forEach(function (el) {{
    el.addEventListener("input", function () {{
      if (d.mode !== "product") {{
        inputs.forEach(function (o) {{
          if (o !== el) {{ o.value = d.defaults[+o.dataset.axis]; }}
        }});
      }}
      inputs.forEach(function (o) {{ o.nextElementSibling.textContent = d.labels[+o.dataset.axis][+o.value]; }});
      var k = key();
      if (d.images[k]) {{ img.src = "data:image/png;base64," + d.images[k]; }}
    }});
  }});
}})();</script>
</div>"""


def interact(
    fn: Callable[..., Any],
    *,
    points: int = 5,
    dpi: int = 72,
    title: str = "",
    max_controls: int | None = None,
    **controls: Any,
):
    """``ipywidgets.interact(fn, **controls)`` that also works on the static site.

    Parameters
    ----------
    fn : callable
        Draws one matplotlib figure from keyword arguments (and may call ``plt.show``).
    points : int
        Grid values per slider for the static version (plus the default).
    dpi : int
        Resolution of the precomputed figures.
    title : str
        Shown above the static explorer and used as the image's alt text.
    max_controls : int, optional
        Precompute only the first that many controls for the static version (all by
        default); the live widget always has every control.
    **controls
        As for ``ipywidgets.interact``.

    Returns
    -------
    ipywidgets.interactive
        The live widget (also displayed, together with the static explorer).
    """
    import ipywidgets as widgets
    from IPython.display import display

    states = precompute(fn, controls, points=points, dpi=dpi, max_controls=max_controls)
    live = widgets.interactive(fn, **controls)
    bundle = dict(live._repr_mimebundle_() or {})
    bundle["text/html"] = static_html(states, title)
    bundle.setdefault("text/plain", f"explorer of {getattr(fn, '__name__', 'a function')}")
    display(bundle, raw=True)
    return live
