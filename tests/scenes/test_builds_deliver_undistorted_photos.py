"""A build straight from a ScanNet++ scan delivers its photos, undistorted on reading.

The scan's images are distorted (iPhone OPENCV, DSLR OPENCV_FISHEYE). A plain load names
them with their lens (``Frame.distortion``); the build resamples each into the frame's
pinhole camera as it reads it. The fixtures (lens_kit) draw a disc where the
lens puts each known 3D point, from the lens's definition; here the delivered image must show
it where the loaded pinhole pose and K project the point, and must equal what a build of the
converted scene (``spatialqa scene convert``, which writes the images undistorted) delivers.

One property across modules (the ScanNet++ loader, scenes.undistort, the delivery of captured
frames, the shard build and ``convert``), so one file rather than a module's.
"""

import io
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from lens_kit import (
    HEIGHT,
    PROBES,
    WIDTH,
    marker_at,
    pose,
    saved_scene,
    scene_without_cameras,
    write_iphone,
    write_scan,
)
from PIL import Image

from spatialqa.degradations import delivery
from spatialqa.degradations.delivery import make_renderer
from spatialqa.pipelines import shard as shard_module
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.plan import fingerprint, plan
from spatialqa.scenes.formats import convert
from spatialqa.scenes.io import load_scene
from spatialqa.scenes.scannetpp import load_scannetpp
from spatialqa.scenes.undistort import undistortion_maps

JPEG_QUALITY = 95  # what scenes.undistort writes a converted JPEG with


def build_frames(source: dict, width: int = WIDTH, height: int = HEIGHT, out=None) -> dict:
    """One shard of a build of ``source`` (no Ray), its record and its delivered clean images
    decoded, by frame id."""
    config = parse_config(
        {
            "name": "distortion",
            "seed": 1,
            "scenes": [source],
            "tasks": [{"name": "object_abs_distance", "per_scene": 3}],
            "views": {"frames": 2},
            "render": {"width": width, "height": height, "backend": "raycast"},
            "output": {"inline_images": "all", "image_format": "png"},
        }
    )
    (shard,) = plan(config)
    record = shard_module.run_shard(config, shard, str(out), fingerprint(config))
    if record["status"] != "ok":
        return {"record": record}
    rows = pq.read_table(Path(out) / "frames").to_pylist()
    frames = {}
    for row in rows:
        with Image.open(io.BytesIO(row["image"]["bytes"])) as image:
            frames[row["frame_id"]] = {**row, "pixels": np.asarray(image.convert("RGB"))}
    return {"record": record, "frames": frames}


# --------------------------------------------------------------------------- the build


def test_a_build_delivers_the_undistorted_image(tmp_path):
    """degradations/delivery.py reads a captured frame's image from the scene directory: after
    conversion that is the undistorted image, whose disc is where the frame projects it."""
    from spatialqa.degradations.delivery import make_renderer

    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    write_iphone(scene, c2w)
    out = tmp_path / "converted"
    convert(scene, out)
    loaded = load_scene(out)
    frame = loaded.frame("frame_000000")
    rgb = make_renderer(loaded, "raycast", root=out).render_rgb(frame)
    delivered = tmp_path / "delivered.png"
    Image.fromarray(rgb).save(delivered)
    uv, _ = frame.project(PROBES)
    for expected in uv:
        assert np.linalg.norm(marker_at(delivered, expected) - expected) < 1.0


@pytest.mark.parametrize("camera", ["iphone", "dslr"])
def test_a_direct_build_shows_the_photo_where_the_frame_projects(tmp_path, camera):
    scan, marked = write_scan(tmp_path, camera)
    built = build_frames({"scannetpp": str(scan.parent)}, out=tmp_path / "out")
    assert built["record"]["status"] == "ok", built["record"]
    row = built["frames"][marked]
    loaded = load_scannetpp(scan).frame(marked)
    assert np.array_equal(np.array(row["K"]), loaded.K)  # the pinhole camera, delivered as is
    assert np.allclose(np.array(row["pose"]), pose(), atol=1e-9)
    delivered = tmp_path / "delivered.png"
    Image.fromarray(row["pixels"]).save(delivered)
    uv, z = loaded.project(PROBES)
    assert np.all(z > 0)
    for point, expected in zip(PROBES, uv, strict=True):
        found = marker_at(delivered, expected)
        assert np.linalg.norm(found - expected) < 1.0, (point.tolist(), found, expected)


@pytest.mark.parametrize(
    ("camera", "suffix", "size"),
    [
        ("iphone", ".png", (WIDTH, HEIGHT)),
        ("dslr", ".png", (WIDTH, HEIGHT)),
        ("iphone", ".png", (320, 240)),
        ("iphone", ".jpg", (WIDTH, HEIGHT)),
        ("dslr", ".jpg", (WIDTH, HEIGHT)),
    ],
)
def test_a_direct_build_delivers_what_the_converted_scene_does(tmp_path, camera, suffix, size):
    """PNG sources: convert writes PNG, and both builds deliver the same pixels, at the
    frame's own size and resized. JPEG sources (ScanNet++'s own): convert writes the same
    pixels as a JPEG of quality 95, so the converted build delivers the direct one's pixels
    after that JPEG round trip, exactly. A scene directory that keeps the lens builds like
    the scan."""
    scan, _ = write_scan(tmp_path, camera, suffix)
    direct = build_frames({"scannetpp": str(scan.parent)}, *size, out=tmp_path / "a")
    convert(scan, tmp_path / "converted" / scan.name)
    converted = build_frames({"dir": str(tmp_path / "converted")}, *size, out=tmp_path / "b")
    saved_scene(scan, tmp_path / "saved" / scan.name)
    saved = build_frames({"dir": str(tmp_path / "saved")}, *size, out=tmp_path / "c")
    assert sorted(direct["frames"]) == sorted(converted["frames"]) == sorted(saved["frames"])
    assert len(direct["frames"]) == 2
    for frame_id, row in direct["frames"].items():
        other = converted["frames"][frame_id]
        assert row["K"] == other["K"] and row["pose"] == other["pose"]
        assert row["pixels"].shape == (size[1], size[0], 3)
        assert np.array_equal(row["pixels"], saved["frames"][frame_id]["pixels"])
        expected = row["pixels"]
        if suffix == ".jpg":
            encoded = io.BytesIO()
            Image.fromarray(expected).save(encoded, "JPEG", quality=JPEG_QUALITY)
            with Image.open(encoded) as image:
                expected = np.asarray(image.convert("RGB"))
            assert not np.array_equal(expected, row["pixels"])  # the round trip is lossy
        assert np.array_equal(other["pixels"], expected)


def test_a_file_whose_size_disagrees_with_its_lens_skips_the_scene_naming_it(tmp_path):
    scan, marked = write_scan(tmp_path, "iphone")
    saved = saved_scene(scan, tmp_path / "saved" / scan.name)
    image = saved / "iphone" / "rgb" / f"{marked}.jpg"
    Image.new("RGB", (320, 240)).save(image)
    built = build_frames({"dir": str(saved.parent)}, out=tmp_path / "out")
    record = built["record"]
    assert record["status"] == "skipped" and "frames" not in built
    assert "rendering and degrading the views: SceneError" in record["reason"]
    assert (
        f"{image}: frame '{marked}'.rgb: image is 320 x 240, but frame '{marked}'.distortion "
        "says 640 x 480"
    ) in record["reason"]
    # Straight from the scan, the loader refuses it first, naming the file and the camera.
    shutil.copyfile(image, scan / "iphone" / "rgb" / f"{marked}.jpg")
    record = build_frames({"scannetpp": str(scan.parent)}, out=tmp_path / "out2")["record"]
    assert record["status"] == "skipped" and "loading: SceneError" in record["reason"]
    assert f"{marked}.jpg: image is 320 x 240, but" in record["reason"]


def test_the_maps_are_computed_once_per_camera(tmp_path, monkeypatch):
    scan, _ = write_scan(tmp_path, "iphone")
    scene = load_scannetpp(scan)
    calls = []

    def counted(*args):
        calls.append(args[0].model)
        return undistortion_maps(*args)

    monkeypatch.setattr(delivery, "undistortion_maps", counted)
    renderer = make_renderer(scene, "raycast", root=scan)
    frames = scene.trajectory("walkthrough").frames
    images = [renderer.render_rgb(frame) for frame in frames]
    images += [renderer.render_rgb(frame.resized(320, 240)) for frame in frames]
    assert calls == ["OPENCV"]  # two frames, two sizes, one lens into one pinhole camera
    assert images[0].shape == (HEIGHT, WIDTH, 3) and images[2].shape == (240, 320, 3)
