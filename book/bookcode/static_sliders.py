"""Sliders that work on the static site, offline and with no kernel.

A figure is drawn once for each value of one parameter, when the book is built, and matplotlib's
JavaScript animation player (`FuncAnimation.to_jshtml`) shows the frames under a range slider:
moving the slider shows the frame of another value. The player is matplotlib's own; the only
change made to its HTML is that the stylesheet it would fetch from a CDN (Font Awesome, for the
play buttons' icons) is left out: the site must work offline, and the book's theme already ships
Font Awesome.

In JupyterLab the chapters keep their `ipywidgets` sliders, which redraw for any value.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

# The player's one reference to the network: a <link> to Font Awesome on a CDN.
_CDN_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]+">\s*')
_ANY_URL = re.compile(r"https?://")


def player_html(figure: Figure, draw: Callable[[Figure, float], None],
                values: Sequence[float]) -> str:
    """The HTML of matplotlib's player for `figure` redrawn by `draw(figure, value)` for each value.

    `draw` gets an empty figure (cleared before each frame) and one entry of `values`.
    Raises RuntimeError if the player's HTML still refers to anything outside the page.
    """
    def frame(index: int) -> None:
        figure.clear()
        draw(figure, values[index])

    animation = FuncAnimation(figure, frame, frames=len(values), interval=250, repeat=False)
    page = animation.to_jshtml(default_mode="once")
    page = _CDN_STYLESHEET.sub("", page, count=1)
    if _ANY_URL.search(page):
        raise RuntimeError("matplotlib's animation player refers to a URL: the page would not work offline")
    return page


def static_slider(draw: Callable[[Figure, float], None], values: Sequence[float], *,
                  parameter: str, caption: str, figsize: tuple[float, float] = (6.0, 3.2),
                  dpi: int = 80) -> HTML:
    """A slider over `values` (floats, in slider order) that shows `draw(figure, value)` for each.

    `parameter` names the quantity the slider moves (kept in the HTML as `data-parameter`, for
    tests and readers of the source); `caption` is shown above the player, as plain text.
    Every frame is a PNG image embedded in the page, so keep `values` to a few dozen.
    """
    if len(values) < 2:
        raise ValueError("a slider needs at least two values")
    figure = plt.figure(figsize=figsize, dpi=dpi, layout="constrained")  # labels inside the frame
    try:
        player = player_html(figure, draw, values)
    finally:
        plt.close(figure)
    return HTML(
        f'<div class="static-slider" data-parameter="{html.escape(parameter)}">'
        f'<p class="static-slider-caption">{html.escape(caption)}</p>{player}</div>'
    )
