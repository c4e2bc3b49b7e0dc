"""The explorers: grids, precomputed states, the static HTML, and the live widget."""

import base64
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ipywidgets = pytest.importorskip("ipywidgets")

from lidlib.book import explore  # noqa: E402


def _draw(a=1.0, b=2.0, c=0.5, label="x"):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot(np.arange(5), a * np.arange(5) ** b + c)
    ax.set_title(label)
    plt.show()


def test_grids_include_the_default_and_respect_the_slider_kind():
    w = ipywidgets
    vals, i = explore.control_grid("a", w.FloatSlider(value=1.3, min=0.5, max=2.5, step=0.5), 5)
    assert vals == [0.5, 1.0, 1.3, 1.5, 2.0, 2.5] and vals[i] == 1.3
    vals, i = explore.control_grid("b", w.FloatLogSlider(value=10.0, base=10, min=-2, max=2), 5)
    np.testing.assert_allclose(vals, [0.01, 0.1, 1.0, 10.0, 100.0]) and vals[i] == 10.0
    assert explore.control_grid("c", w.fixed(3), 5) == ([3], 0)
    assert explore.control_grid("d", w.Dropdown(options=["p", "q"], value="q"), 5) == (["p", "q"], 1)
    assert explore.control_grid("e", w.IntSlider(value=3, min=1, max=9, step=2), 3) == ([1, 3, 5, 9], 1)
    with pytest.raises(ValueError, match="points"):
        explore.control_grid("a", w.FloatSlider(), 1)
    with pytest.raises(ValueError, match="'t'.*Text"):
        explore.control_grid("t", w.Text(), 3)


@pytest.mark.slowish
def test_small_grids_keep_every_combination_large_ones_vary_one_control_at_a_time():
    w = ipywidgets
    two = explore.precompute(
        _draw,
        {
            "a": w.FloatSlider(value=1.0, min=1.0, max=2.0, step=0.5),
            "b": w.FloatSlider(value=2.0, min=1.0, max=2.0, step=0.5),
        },
        points=3,
    )
    assert two["mode"] == "product" and len(two["images"]) == 9
    many = {k: w.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.25) for k in ("a", "b", "c")}
    big = explore.precompute(_draw, many, points=5)
    assert big["mode"] == "one-at-a-time" and len(big["images"]) == 1 + 3 * 4  # 5^3 = 125 > 64
    # each state draws its own figure: moving a control changes the picture
    imgs = list(two["images"].values())
    assert len(set(imgs)) == len(imgs)
    assert base64.b64decode(imgs[0])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slowish
def test_static_html_is_self_contained_and_starts_at_the_defaults():
    w = ipywidgets
    st = explore.precompute(
        _draw, {"a": w.FloatSlider(value=1.5, min=1.0, max=2.0, step=0.5), "label": w.fixed("t")}, points=3
    )
    page = explore.static_html(st, title="demo")
    assert "http://" not in page and "https://" not in page  # nothing from another host
    data = json.loads(re.search(r'<script type="application/json" class="lx-data">(.*?)</script>', page, re.S)[1])
    assert set(data["images"]) == {"0,0", "1,0", "2,0"} and data["defaults"] == [1, 0]
    assert page.count('type="range"') == 1  # fixed controls get no input
    assert f'src="data:image/png;base64,{st["images"]["1,0"]}"' in page
    assert "<output>1.5</output>" in page


def test_interact_displays_live_widget_and_static_explorer(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    live = explore.interact(_draw, points=3, a=ipywidgets.FloatSlider(value=1.0, min=1.0, max=2.0, step=0.5))
    assert isinstance(live, ipywidgets.interactive)
    ((bundle, raw),) = shown
    assert raw and "application/vnd.jupyter.widget-view+json" in bundle and "lidlib-explorer" in bundle["text/html"]
    with pytest.raises(ValueError, match="drew no matplotlib figure"):
        explore.precompute(lambda a: None, {"a": ipywidgets.FloatSlider(value=1.0, min=0.0, max=1.0)}, points=2)


def test_max_controls_precomputes_only_the_first_controls():
    w = ipywidgets
    many = {k: w.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.5) for k in ("a", "b", "c")}
    st = explore.precompute(_draw, many, points=2, max_controls=1)
    assert st["values"][1:] == [[1.0], [1.0]] and len(st["values"][0]) == 3  # 2 points + the default
    assert len(st["images"]) == 3 and explore.static_html(st).count('type="range"') == 1
    with pytest.raises(ValueError, match="max_controls"):
        explore.precompute(_draw, many, points=2, max_controls=0)
