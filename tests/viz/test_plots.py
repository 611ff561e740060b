"""Plots: real pictures of the model, atomic files, clear errors, matplotlib optional."""

import builtins
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import engine
import nn
import viz

pytest.importorskip("matplotlib")


def diagonal_model() -> nn.MLP:
    """A linear model whose score is x1 - x2: class 1 below the diagonal."""
    model = nn.MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, -1.0, 0.0
    return model


POINTS = [[-1.0, 1.0], [1.0, -1.0], [-0.5, 0.8], [0.6, -0.4]]
LABELS = [0, 1, 0, 1]


def test_the_svg_is_valid_xml_with_the_title(tmp_path: Path) -> None:
    path = viz.plot_decision_boundary(
        diagonal_model(), POINTS, LABELS, tmp_path / "b.svg", title="Diagonal"
    )
    root = ET.fromstring(path.read_bytes())
    assert root.tag.endswith("svg") and "Diagonal" in path.read_text()


def test_the_regions_follow_the_model(tmp_path: Path) -> None:
    import matplotlib.image

    path = viz.plot_decision_boundary(
        diagonal_model(), POINTS, LABELS, tmp_path / "b.png", resolution=40
    )
    assert path.read_bytes().startswith(b"\x89PNG")
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    # Sample the plot area near its top-left (x1 < x2: class 0, blue) and bottom-right (class 1).
    top_left = image[int(height * 0.2), int(width * 0.25)][:3]
    bottom_right = image[int(height * 0.75), int(width * 0.8)][:3]
    assert top_left[2] > top_left[0]  # blue-ish tint
    assert bottom_right[0] > bottom_right[2]  # orange-ish tint


def test_the_model_is_left_as_it_was_and_no_graph_is_kept(tmp_path: Path) -> None:
    model = diagonal_model()
    before = model.state_dict()
    viz.plot_decision_boundary(model, POINTS, LABELS, tmp_path / "b.png", resolution=5)
    assert model.state_dict() == before
    assert all(p.grad == 0.0 for p in model.parameters())
    assert engine.is_grad_enabled()


def test_several_outputs_draw_argmax_regions(tmp_path: Path) -> None:
    X, y = nn.make_spiral(30, seed=0, n_classes=3)
    model = nn.MLP(2, [4, 3], seed=0)
    path = viz.plot_decision_boundary(model, X, y, tmp_path / "s.png", resolution=10)
    assert path.stat().st_size > 1000


def test_history_curves_with_and_without_accuracy(tmp_path: Path) -> None:
    history = nn.History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.75, 1.0])
    assert viz.plot_history(history, tmp_path / "h.png").read_bytes().startswith(b"\x89PNG")
    regression = nn.History(loss=[1.0, 0.5], accuracy=[float("nan")] * 2)
    ET.fromstring(viz.plot_history(regression, tmp_path / "h.svg").read_bytes())


def shown_text_px(png: Path, width: float) -> float:
    """The smallest text of a plot's PNG shown ``width`` px wide, from what the PNG records."""
    from PIL import Image

    with Image.open(png) as image:
        points = float(image.info[viz.plots.SMALLEST_TEXT])
        dpi = image.info["dpi"][0]
        return points / 72 * dpi * width / image.width


def moons_plots(folder: Path, dpi: int = 150) -> list[Path]:
    """Notebook 3's two plots, and a history without accuracy whose losses need an offset."""
    X, y = nn.make_moons(n_samples=40, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 1], seed=0)
    history = nn.fit(model, X, y, steps=5, progress=False)
    tiny = nn.History(loss=[1e-5 + 1e-9 * i for i in range(5)], accuracy=[float("nan")] * 5)
    return [
        viz.plot_decision_boundary(model, X, y, folder / "b.png", resolution=10, dpi=dpi),
        viz.plot_history(history, folder / "h.png", dpi=dpi),
        viz.plot_history(tiny, folder / "tiny.png", title="Offset loss", dpi=dpi),
    ]


@pytest.mark.parametrize("dpi", [72, 150])
def test_every_text_is_legible_with_the_plot_shown_570_px_wide(tmp_path: Path, dpi: int) -> None:
    for png in moons_plots(tmp_path, dpi):
        assert shown_text_px(png, viz.plots.READ_AT_PX) >= viz.plots.LEGIBLE_PX, png.name


def test_the_png_records_its_smallest_font_the_ticks(tmp_path: Path) -> None:
    from PIL import Image

    recorded = []
    for png in moons_plots(tmp_path):
        with Image.open(png) as image:
            recorded.append(image.info[viz.plots.SMALLEST_TEXT])
    assert recorded == ["10", "11", "11"]  # the tick labels (and the loss's offset, 1e-5)


def test_the_fonts_ignore_and_keep_the_users_rcparams(tmp_path: Path) -> None:
    """A user's small default font does not shrink the plots, and the plots change no default."""
    import matplotlib

    with matplotlib.rc_context({"font.size": 5, "xtick.labelsize": 4, "legend.fontsize": 4}):
        before = dict(matplotlib.rcParams)
        for png in moons_plots(tmp_path):
            assert shown_text_px(png, viz.plots.READ_AT_PX) >= viz.plots.LEGIBLE_PX, png.name
        assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda p: viz.plot_decision_boundary(diagonal_model(), POINTS, LABELS, p / "old.gif"),
            r"\.svg or \.png",
        ),
        (
            lambda p: viz.plot_decision_boundary(
                diagonal_model(), POINTS, LABELS, p / "old.png", resolution=1
            ),
            "resolution",
        ),
        (
            lambda p: viz.plot_decision_boundary(diagonal_model(), POINTS, [0], p / "old.png"),
            "4 points but y has 1",
        ),
        (
            lambda p: viz.plot_decision_boundary(diagonal_model(), [[1.0]], [0], p / "old.png"),
            r"X\[0\] must be a pair",
        ),
        (lambda p: viz.plot_history(nn.History(), p / "old.png"), "history.loss is empty"),
        (lambda p: viz.plot_history(nn.History([1.0], []), p / "old.png"), "must match"),
    ],
)
def test_a_failed_call_leaves_the_old_file_untouched(
    tmp_path: Path, call: Any, message: str
) -> None:
    for name in ("old.png", "old.gif"):
        (tmp_path / name).write_bytes(b"old")
    with pytest.raises(ValueError, match=message):
        call(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.gif", "old.png"]
    assert (tmp_path / "old.png").read_bytes() == b"old"


def test_without_matplotlib_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r'pip install "chainrule\[plot\]"'):
        viz.plot_history(nn.History([1.0], [1.0]), tmp_path / "h.png")
