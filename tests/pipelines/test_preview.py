"""The gallery: it opens in headless Chromium with every image loaded; its oracle boxes are the
visible pixels' squares in OpenCV coordinates, resized as ``Frame.resized`` resizes the image."""

from __future__ import annotations

import re
import shutil
import subprocess

from spatialqa.oracle import frame_visibility
from spatialqa.pipelines.preview import SceneBoxes, preview


def test_gallery_opens_in_headless_chromium(dataset, tmp_path):
    out, _ = dataset
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is installed by scripts/setup.sh"
    index = preview(out, tmp_path / "gallery", count=10, seed=1)
    assert (tmp_path / "gallery" / "distributions.png").stat().st_size > 0
    page = index.read_text()
    assert page.count("class='card'") == 10
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            index.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    loaded = re.search(r'data-images-loaded="(\d+)"', dom)
    total = re.search(r'data-images="(\d+)"', dom)
    assert loaded and total, dom[:500]
    assert int(loaded.group(1)) == int(total.group(1)) > 10  # plot + each sample's images
    assert dom.count('class="card"') == 10


def test_boxes_are_the_oracles_and_scale_about_the_image_corner(scene_kit):
    # f = 100, 20 x 16, principal point (9.5, 7.5); a plate at depth 5 over x [-0.25, 0.15],
    # z [-0.1, 0.2] projects to u = 9.5 + 20 x in [4.5, 12.5], v = 7.5 - 20 z in [3.5, 9.5]:
    # pixel centres u 5..12, v 4..9, whose squares fill exactly that box.
    frame = scene_kit.frame(
        "f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)), focal=100.0, width=20, height=16
    )
    plate = scene_kit.Box(1, "plate", (-0.05, 5.0005, 0.05), (0.4, 0.001, 0.3))
    scene = scene_kit.scene([plate], frames=[frame])
    boxes = SceneBoxes(None)
    boxes.scenes["s"] = scene
    assert boxes.boxes("s", "f0", [1], (20, 16)) == {1: [4.5, 3.5, 12.5, 9.5]}
    assert frame_visibility(scene, "f0").boxes[0].tolist() == [4.5, 3.5, 12.5, 9.5]
    # Doubled: x' = (x + 0.5) * 2 - 0.5, the image's corner (-0.5, -0.5) staying put.
    assert boxes.boxes("s", "f0", [1], (40, 32)) == {1: [9.5, 7.5, 25.5, 19.5]}
    assert boxes.boxes("s", "f0", [2], (20, 16)) == {}
