"""A sample's marks in the build's rows: drawn on each inline image after its degradation, at
the place the view's own label transform moves them to; points quoted in a question and a
point answer rewritten per variant; no images at all under ``inline_images: none``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import room_kit as kit
from scipy import ndimage

from spatialqa.degradations import decode_image
from spatialqa.degradations.marks import MARK_FILL
from spatialqa.generators.sample import Sample
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.shard import render_views, sample_row

VARIANTS = [("clean", 0), ("lens_distortion", 5), ("haze", 3)]
# Near the corners, where the lens moves pixels most, and apart from each other.
REF = [20.0, 15.0]
OPTIONS = {"A": [140.0, 100.0], "B": [25.0, 100.0], "C": [135.0, 20.0], "D": [80.0, 60.0]}


def config(inline: str = "few"):
    return parse_config(
        {
            "name": "t",
            "scenes": [{"procedural": {"count": 1}}],
            "tasks": ["object_counting"],
            "render": {"backend": "raycast", "width": kit.WIDTH, "height": kit.HEIGHT},
            "degradations": ["clean", {"type": "lens_distortion", "severities": [5]},
                             {"type": "haze", "severities": [3]}],
            "output": {"inline_images": inline, "image_format": "png"},
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def delivered():
    scene = kit.make_scene(frames=(kit.make_frame("f0"), kit.make_frame("f1")))
    built = config()
    _, images = render_views(built, scene, ["f0", "f1"], VARIANTS)
    return built, images


def sample(task: str, answer_type: str, question: str, answer: str, labels: dict) -> Sample:
    return Sample(
        scene_id="kit_room", source="test", task=task, family="correspondence", index=0,
        question=question, question_vsi=None, answer_type=answer_type, answer=answer,
        choices=(), value=None, unit=None, metric="accuracy", objects=(), views=("f0", "f1"),
        program="{}", rationale="", margin=None, answerable=True, seed=0,
        labels=json.dumps(labels),
    )  # fmt: skip


def marked() -> Sample:
    labels = {
        "marks": {
            "f0": [{"xy": REF, "label": "REF"}],
            "f1": [{"xy": xy, "label": name} for name, xy in OPTIONS.items()],
        }
    }
    return sample("point_correspondence", "mc", "Which labelled point?", "B", labels)


def discs(png: bytes) -> np.ndarray:
    """Centroids (x, y) of the mark-coloured blobs, sorted by x."""
    mask = np.all(decode_image(png) == MARK_FILL, axis=-1)
    labelled, count = ndimage.label(mask)
    centres = ndimage.center_of_mass(mask, labelled, range(1, count + 1))
    return np.array(sorted((x, y) for y, x in centres))


def expected(points: list[list[float]], transform) -> np.ndarray:
    moved = np.asarray(points) if transform is None else transform.points(np.asarray(points))
    return np.array(sorted(map(tuple, moved)))


@pytest.mark.parametrize("variant", VARIANTS)
def test_marks_are_drawn_where_the_view_s_pixels_went(delivered, variant):
    built, images = delivered
    row = sample_row(built, "b", marked(), variant, images, "k")
    first, second = (images[variant, view] for view in ("f0", "f1"))
    got = [discs(image["bytes"]) for image in row["images"]]
    want = [
        expected([REF], first["transform"]),
        expected(list(OPTIONS.values()), second["transform"]),
    ]
    for g, w in zip(got, want, strict=True):
        # Discs are centred on the pixel nearest the point: within half a pixel per axis.
        assert g.shape == w.shape and np.abs(g - w).max() <= 0.5 + 1e-9
    labels = json.loads(row["labels"])["marks"]
    assert np.allclose(expected([m["xy"] for m in labels["f1"]], None), want[1], atol=0.01)
    if variant[0] == "lens_distortion":
        # The lens moved the corner marks by pixels, and the discs went with them.
        assert np.abs(want[1] - expected(list(OPTIONS.values()), None)).max() > 2
    # The frames keep the unmarked image under the plain path; the row's copy has its own.
    assert discs(first["bytes"]).size == 0
    assert row["images"][0]["path"] != first["path"]
    assert row["images"][0]["path"].endswith(f"__marks_{row['id']}.png")
    assert row["answer"] == "B" and row["question"] == "Which labelled point?"


def test_a_quoted_point_and_a_point_answer_follow_the_lens(delivered):
    built, images = delivered
    # (60, 40) of 160 x 120: floor(60.5 * 6.25 + 0.5) = 378, floor(40.5 * 8.333 + 0.5) = 338;
    # (130, 90): floor(130.5 * 6.25 + 0.5) = 816, floor(90.5 * 8.333 + 0.5) = 754.
    labels = {
        "view_points": {
            "query": {"view": "f0", "xy": [60.0, 40.0], "text": "[378, 338]"},
            "answer": {"view": "f1", "xy": [130.0, 90.0], "text": "[816, 754]"},
        }
    }
    question = "Given the point [378, 338] in the first image, where is it in the second?"
    coords = sample("point_correspondence_coords", "point", question, "[816, 754]", labels)
    clean = sample_row(built, "b", coords, ("clean", 0), images, "k")
    assert (clean["question"], clean["answer"]) == (question, "[816, 754]")
    row = sample_row(built, "b", coords, ("lens_distortion", 5), images, "k")
    lens = images[("lens_distortion", 5), "f0"]["transform"]
    (qx, qy), (ax, ay) = lens.points(np.array([[60.0, 40.0], [130.0, 90.0]]))

    def thousandths(x: float, y: float) -> str:
        u, v = np.floor((x + 0.5) * 6.25 + 0.5), np.floor((y + 0.5) * 1000 / 120 + 0.5)
        return f"[{int(u)}, {int(v)}]"

    assert row["question"] == question.replace("[378, 338]", thousandths(qx, qy))
    assert row["answer"] == thousandths(ax, ay) != "[816, 754]"
    assert row["images"] and not any(discs(i["bytes"]).size for i in row["images"])  # no marks


def test_without_images_the_marks_stay_in_the_labels_and_a_warning_says_so():
    built = config("none")
    with pytest.warns(UserWarning, match="inline_images is none"):
        row = sample_row(built, "b", marked(), ("clean", 0), {}, "k")
    assert row["images"] == []
    assert json.loads(row["labels"]) == json.loads(marked().labels)
