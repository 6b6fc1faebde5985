"""PNG and SVG pictures of the canvas: size, content, and the command line."""

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from graphlab.examples import open_graph

pytest.importorskip("PySide6", reason="Qt is not installed")

from PySide6.QtGui import QImage, QUndoStack  # noqa: E402

from graphlab.export import ExportError  # noqa: E402
from ui.canvas import GraphScene  # noqa: E402
from ui.canvas_export import MARGIN, PNG_SCALE, export_png, export_svg, picture_rect  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def scene(qapp):
    scene = GraphScene(open_graph("cnn-digits"), QUndoStack())
    yield scene
    scene.detach()


def pixels(image: QImage) -> np.ndarray:
    """The image as an (H, W) array of 32-bit ARGB values."""
    image = image.convertToFormat(QImage.Format_ARGB32)
    data = np.frombuffer(image.constBits(), np.uint32, image.height() * image.width())
    return data.reshape(image.height(), image.width())


def test_png_of_cnn_digits_covers_every_node_at_twice_scene_scale(scene, tmp_path):
    node_rect = scene.nodes_rect()
    picture = export_png(scene, tmp_path / "cnn.png")
    size = picture.size
    assert not picture.scaled_down and picture.note() == ""
    image = QImage(str(tmp_path / "cnn.png"))
    assert not image.isNull()
    assert (image.width(), image.height()) == (size.width(), size.height())
    rect = picture_rect(scene)
    for item in [*scene.nodes.values(), *scene.edges.values()]:  # all there, with the margin
        assert rect.contains(item.sceneBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))
    assert rect.width() < node_rect.width() + 4 * MARGIN  # and no more than that
    assert size.width() == math.ceil(rect.width() * PNG_SCALE)
    assert size.height() == math.ceil(rect.height() * PNG_SCALE)
    assert 1000 < size.width() < 20000 and 200 < size.height() < 5000  # slide-sized, not the scene
    values = pixels(image)
    colours, counts = np.unique(values, return_counts=True)
    assert len(colours) > 50  # text, ports, edges: far from blank
    assert counts.max() < 0.95 * values.size  # the background does not fill the picture


def test_png_leaves_the_selection_and_caches_as_they_were(scene, tmp_path):
    scene.select_ids(["conv1"])
    modes = {nid: item.cacheMode() for nid, item in scene.nodes.items()}
    export_png(scene, tmp_path / "cnn.png")
    assert scene.selected_ids() == ["conv1"]
    assert {nid: item.cacheMode() for nid, item in scene.nodes.items()} == modes


def test_svg_parses_and_draws_the_nodes_as_text_and_shapes(scene, tmp_path):
    export_svg(scene, tmp_path / "cnn.svg")
    root = ET.parse(tmp_path / "cnn.svg").getroot()
    assert root.tag == f"{SVG}svg"
    rect = picture_rect(scene)
    width, height = (float(v) for v in root.attrib["viewBox"].split()[2:])
    assert (width, height) == (math.ceil(rect.width()), math.ceil(rect.height()))
    texts = {"".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")}
    assert {"conv1", "pool2", "fc", "loss"} <= texts
    assert not list(root.iter(f"{SVG}image"))  # vector shapes, not cached pixmaps


def test_an_empty_canvas_has_no_picture(qapp, tmp_path):
    from graphlab.document import GraphDocument

    scene = GraphScene(GraphDocument(), QUndoStack())
    with pytest.raises(ExportError, match="empty"):
        export_png(scene, tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()
    scene.detach()


def test_the_command_line_writes_both_pictures(tmp_path):
    png, svg = tmp_path / "cnn.png", tmp_path / "cnn.svg"
    command = [sys.executable, "-m", "graphlab.cli", "export", "cnn-digits"]
    result = subprocess.run(
        [*command, "--png", str(png), "--svg", str(svg)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(png))
    assert image.width() > 1000 and image.height() > 200
    assert ET.parse(svg).getroot().tag == f"{SVG}svg"
