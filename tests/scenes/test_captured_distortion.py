"""A build straight from a ScanNet++ scan delivers its photos, undistorted on reading.

The scan's images are distorted (iPhone OPENCV, DSLR OPENCV_FISHEYE). A plain load names
them with their lens (``Frame.distortion``); the build resamples each into the frame's
pinhole camera as it reads it. The fixtures (test_scannetpp_cameras) draw a disc where the
lens puts each known 3D point, from the lens's definition; here the delivered image must show
it where the loaded pinhole pose and K project the point, and must equal what a build of the
converted scene (``spatialqa scene convert``, which writes the images undistorted) delivers.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image
from test_scannetpp_cameras import (
    FISHEYE,
    HEIGHT,
    OPENCV,
    PROBES,
    WIDTH,
    fisheye_params,
    fisheye_pixels,
    marker_at,
    opencv_params,
    opencv_pixels,
    pose,
    scene_without_cameras,
    second_pose,
    write_colmap,
    write_markers,
)

from spatialqa.degradations import delivery
from spatialqa.degradations.delivery import make_renderer
from spatialqa.errors import SceneError
from spatialqa.pipelines import shard as shard_module
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.plan import fingerprint, plan
from spatialqa.scenes.formats import convert
from spatialqa.scenes.io import load_scene, save_scene
from spatialqa.scenes.scannetpp import load_scannetpp
from spatialqa.scenes.scene import DISTORTION_COEFFICIENTS, Distortion, Frame
from spatialqa.scenes.undistort import lens_from_distortion, lens_from_params, undistortion_maps

JPEG_QUALITY = 95  # what scenes.undistort writes a converted JPEG with


def write_scan(tmp_path: Path, camera: str, suffix: str = ".jpg") -> tuple[Path, str]:
    """A ScanNet++ scan with one camera (iPhone OPENCV or DSLR OPENCV_FISHEYE) of two images,
    the first with a disc at each probe's distorted pixel; returns it and that image's id."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    if camera == "iphone":
        folder, names = "iphone", [f"frame_000000{suffix}", f"frame_000030{suffix}"]
        params, pixels, model = opencv_params(), opencv_pixels(PROBES, c2w, OPENCV), "OPENCV"
        images = scene / "iphone" / "rgb"
    else:
        folder, names = "dslr", [f"DSC00001{suffix}", f"DSC00007{suffix}"]
        params, pixels = fisheye_params(), fisheye_pixels(PROBES, c2w, FISHEYE)
        model, images = "OPENCV_FISHEYE", scene / "dslr" / "resized_images"
    write_colmap(scene / folder / "colmap", model, params, names, [c2w, second_pose()], False)
    for name, marks in ((names[0], pixels), (names[1], [[320, 240]])):
        write_markers(images / name, marks)  # JPEG data, whatever the name
        if suffix == ".png":
            with Image.open(images / name) as image:
                image.load()
            image.save(images / name, "PNG")
    return scene, Path(names[0]).stem


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


def saved_scene(scan: Path, to: Path) -> Path:
    """The plain load of ``scan`` as a scene directory, its distorted images copied as they
    are: frames keep their lens in scene.json."""
    scene = load_scannetpp(scan)
    save_scene(scene, to)
    for frame in scene.trajectory("walkthrough").frames:
        (to / frame.rgb).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scan / frame.rgb, to / frame.rgb)
    return to


# --------------------------------------------------------------------------- the build


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


# --------------------------------------------------------------------------- the field


def test_scene_json_round_trips_the_lens(tmp_path):
    scan, marked = write_scan(tmp_path, "iphone")
    saved = saved_scene(scan, tmp_path / "saved")
    document = json.loads((saved / "scene.json").read_text())
    entry = document["trajectories"][0]["frames"][0]
    assert entry["id"] == marked and entry["rgb"] == f"iphone/rgb/{marked}.jpg"
    assert entry["distortion"] == {
        "model": "OPENCV",
        "params": list(OPENCV["k"]),
        "K": [[OPENCV["fx"], 0.0, OPENCV["cx"]], [0.0, OPENCV["fy"], OPENCV["cy"]], [0, 0, 1]],
        "width": WIDTH,
        "height": HEIGHT,
    }
    loaded = load_scene(saved)
    original = load_scannetpp(scan)
    for frame in loaded.trajectory("walkthrough").frames:
        lens, before = frame.distortion, original.frame(frame.id).distortion
        assert lens.key == before.key and np.array_equal(frame.K, original.frame(frame.id).K)
        assert not lens.params.flags.writeable and not lens.K.flags.writeable
    again = save_scene(loaded, tmp_path / "again")
    assert (again / "scene.json").read_bytes() == (saved / "scene.json").read_bytes()
    # A frame without a lens writes no key, and reads back without one.
    converted = convert(scan, tmp_path / "converted")
    assert "distortion" not in (tmp_path / "converted" / "scene.json").read_text()
    assert converted.frame(marked).distortion is None
    assert load_scene(tmp_path / "converted").frame(marked).distortion is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "FOV"}, r"distortion\.model: unknown camera model 'FOV' \(known: SIMPLE_RAD"),
        ({"params": [0.1, 0.2, 0.3]}, r"distortion\.params: OPENCV takes 4 coefficients, got 3"),
        ({"params": [0.1, float("nan"), 0, 0]}, r"distortion\.params: contains NaN or infinity"),
        ({"params": "k1"}, r"distortion\.params: expected a list, got str"),
        ({"K": [[0, 0, 1], [0, 1, 1], [0, 0, 1]]}, r"distortion\.K: needs positive focal"),
        ({"K": [[1, 0.5, 1], [0, 1, 1], [0, 0, 1]]}, r"distortion\.K: needs .*skew 0"),
        ({"width": 0}, r"distortion\.width: must be a positive integer \(got 0\)"),
        ({"height": 4.5}, r"distortion\.height: expected an integer, got 4\.5"),
        ({"k5": 0.1}, r"distortion: unknown keys \['k5'\]"),
        ({"rgb": None}, r"distortion: describes the rgb image, but none is named"),
    ],
)
def test_an_invalid_lens_in_scene_json_is_named(tmp_path, change, message):
    scan, _ = write_scan(tmp_path, "iphone")
    saved = saved_scene(scan, tmp_path / "saved")
    path = saved / "scene.json"
    document = json.loads(path.read_text())
    entry = document["trajectories"][0]["frames"][0]
    if "rgb" in change:
        del entry["rgb"]
    else:
        entry["distortion"].update(change)
    path.write_text(json.dumps(document))
    frame = r"(frame 'frame_000000'|trajectories\[0\]\.frames\[0\])"
    with pytest.raises(SceneError, match=rf"^{path}: {frame}\.{message}"):
        load_scene(saved)


def test_an_invalid_lens_given_to_a_frame_is_named():
    def frame(**lens) -> Frame:
        fields = {"model": "OPENCV_FISHEYE", "params": [0.1, 0, 0, 0], "K": np.eye(3)}
        fields |= {"width": 64, "height": 48} | lens
        return Frame("f7", 0.0, np.eye(4), np.eye(3), 64, 48, "a.png", None, Distortion(**fields))

    assert frame().distortion.params.tolist() == [0.1, 0, 0, 0]
    with pytest.raises(
        SceneError, match=r"^frame 'f7'\.distortion\.params: OPENCV_FISHEYE takes 4"
    ):
        frame(params=[0.1])
    with pytest.raises(SceneError, match=r"^frame 'f7'\.distortion\.K: contains NaN or infinity"):
        frame(K=np.full((3, 3), np.inf))
    with pytest.raises(SceneError, match=r"^frame 'f7'\.distortion\.model: unknown camera model"):
        frame(model=None)
    with pytest.raises(SceneError, match=r"^frame 'f7'\.distortion: expected a Distortion, got"):
        Frame("f7", 0.0, np.eye(4), np.eye(3), 64, 48, "a.png", None, {"model": "OPENCV"})


# Every distorting COLMAP model with its full parameter list (models.h order) and the
# coefficients OpenCV takes for it, written out by hand.
MODELS = {
    "SIMPLE_RADIAL": ([300, 32, 24, 0.1], [0.1, 0, 0, 0]),
    "RADIAL": ([300, 32, 24, 0.1, -0.02], [0.1, -0.02, 0, 0]),
    "OPENCV": ([300, 310, 32, 24, 0.1, -0.02, 0.001, 0.002], [0.1, -0.02, 0.001, 0.002]),
    "FULL_OPENCV": (
        [300, 310, 32, 24, 0.1, -0.02, 0.001, 0.002, 0.003, 0.01, 0.02, 0.03],
        [0.1, -0.02, 0.001, 0.002, 0.003, 0.01, 0.02, 0.03],
    ),
    "SIMPLE_RADIAL_FISHEYE": ([300, 32, 24, 0.05], [0.05, 0, 0, 0]),
    "RADIAL_FISHEYE": ([300, 32, 24, 0.05, -0.01], [0.05, -0.01, 0, 0]),
    "OPENCV_FISHEYE": (
        [300, 310, 32, 24, 0.05, -0.01, 0.002, -0.001],
        [0.05, -0.01, 0.002, -0.001],
    ),
}


@pytest.mark.parametrize("model", sorted(DISTORTION_COEFFICIENTS))
def test_a_lens_and_the_distortion_a_frame_carries_are_the_same_camera(model):
    """COLMAP's parameters -> Lens -> Distortion (in a frame) -> Lens: the same K and OpenCV
    coefficients, so the maps a build computes are the ones convert computes, bit for bit."""
    assert set(MODELS) == set(DISTORTION_COEFFICIENTS)
    params, opencv = MODELS[model]
    lens = lens_from_params(model, params, 64, 48, "test")
    assert lens.coefficients.tolist() == opencv
    fy = 310 if model in ("OPENCV", "FULL_OPENCV", "OPENCV_FISHEYE") else 300  # else f, cx, cy
    assert lens.K.tolist() == [[300, 0, 32], [0, fy, 24], [0, 0, 1]]
    pinhole = lens.pinhole_matrix()
    frame = Frame("f0", 0.0, np.eye(4), pinhole, 64, 48, "a.png", None, lens.distortion())
    carried = frame.distortion
    assert carried.model == model
    assert carried.params.tolist() == params[-DISTORTION_COEFFICIENTS[model] :]
    again = lens_from_distortion(carried)
    assert again.family == lens.family and again.family == (
        "fisheye" if "FISHEYE" in model else "standard"
    )
    assert np.array_equal(again.K, lens.K) and np.array_equal(again.coefficients, lens.coefficients)
    ours = undistortion_maps(carried, frame.K, frame.width, frame.height)
    theirs = lens.maps(pinhole, 64, 48)
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert ours[0].dtype == np.float32 and ours[0].shape == (48, 64)
