"""What the reader gets besides the page, without a build: static sliders (book/bookcode/
static_sliders.py), the example drawn under one (book/bookcode/logit_explorer.py), and the
downloadable notebook with its numbers filled in (book/_ext/reader_notebooks.py).

The browser test moves the sliders on the built site; here the pieces are checked alone.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from myst_nb.core.variables import format_plain_text  # noqa: E402
from sphinx.errors import ExtensionError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "book"), str(ROOT / "book" / "_ext")]

from bookcode.logit_explorer import draw_example, loss_and_gradient  # noqa: E402
from bookcode.static_sliders import static_slider  # noqa: E402
from reader_notebooks import reader_notebook, resolve  # noqa: E402

FRAME = re.compile(r'"data:image/png;base64,([^"]+)"')


def _frames(page: str) -> list[bytes]:
    return [base64.b64decode(re.sub(r"\\\s*", "", m)) for m in FRAME.findall(page)]


def _bars(figure, value: float) -> None:
    figure.add_subplot().bar([0, 1], [value, 1 - value])


def test_a_static_slider_holds_one_distinct_frame_per_value_and_no_url() -> None:
    values = [0.1, 0.5, 0.9]
    page = static_slider(_bars, values, parameter="p<1>", caption="a & b").data
    frames = _frames(page)
    assert len(frames) == len(values) and len(set(frames)) == len(values)
    assert all(frame.startswith(b"\x89PNG") for frame in frames)
    assert 'type="range"' in page and 'data-parameter="p&lt;1&gt;"' in page and "a &amp; b" in page
    assert not re.search(r"https?://", page), "the player would fetch something from the network"


def test_a_static_slider_needs_two_values() -> None:
    with pytest.raises(ValueError, match="two values"):
        static_slider(_bars, [0.5], parameter="p", caption="one")


@pytest.mark.parametrize("label", [0, 2])
def test_the_example_shows_softmax_and_softmax_minus_one_hot(label: int) -> None:
    logits = torch.tensor([1.5, -0.5, 3.0, 0.0])
    probabilities, loss, gradient = loss_and_gradient(logits, label)
    expected = torch.softmax(logits, dim=0)
    torch.testing.assert_close(probabilities, expected)
    assert loss == pytest.approx(-torch.log(expected[label]).item(), rel=1e-6)
    torch.testing.assert_close(gradient, expected - torch.nn.functional.one_hot(
        torch.tensor(label), 4).float())
    figure = matplotlib.figure.Figure()
    draw_example(figure, logits, label)
    assert len(figure.axes) == 3 and f"{loss:.3f}" in figure.axes[1].get_title()


GLUE = {"acc": {"data": {"text/plain": "0.83456"}}, "n": {"data": {"text/plain": "60000"}},
        "name": {"data": {"text/plain": "'shirt'"}}}


def test_glue_roles_read_as_on_the_page_and_other_roles_as_their_text() -> None:
    text = ("Accuracy {glue:text}`acc:.2%` on {glue:text}`n` images ({glue:text}`name`), "
            "see {term}`logits <logit>`, {doc}`softmax` and {cite}`xiao2017fashion`.")
    assert resolve(text, GLUE, "x.ipynb") == (
        f"Accuracy {format_plain_text('0.83456', '.2%')} on 60000 images (shirt), "
        "see logits, softmax and [xiao2017fashion].")


def test_a_glue_role_without_a_value_stops_the_build() -> None:
    with pytest.raises(ExtensionError, match=r"x\.ipynb: .*`missing` has no glued value"):
        resolve("{glue:text}`missing:.3f`", GLUE, "x.ipynb")


def test_the_reader_notebook_changes_prose_only(tmp_path: Path) -> None:
    code = nbformat.v4.new_code_cell("print('{glue:text}`acc`')")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\nAccuracy {glue:text}`acc:.3f`."), code])
    executed = tmp_path / "chapter.ipynb"
    nbformat.write(notebook, executed)
    (tmp_path / "chapter.glue.json").write_text(json.dumps(GLUE))
    reader = reader_notebook(executed, tmp_path / "chapter.glue.json")
    assert [c.cell_type for c in reader.cells] == ["markdown", "markdown", "code"]
    assert reader.cells[1].source == "# T\n\nAccuracy 0.835."
    assert reader.cells[2].source == code.source
    assert nbformat.read(executed, as_version=4) == notebook, "the executed notebook was changed"
