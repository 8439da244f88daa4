"""Videos made from a build's delivered frames: one mp4 per (scene, degradation variant), for
the harnesses that read VSI-Bench as video (lmms-eval's ``vsibench``, VLMEvalKit's VSI-Bench).

The frames go in timestamp order, one video frame per delivered view, at a constant
``VIDEO_FPS``: the harnesses sample frames evenly over a video's length, so a sampler asked for
as many frames as there are views gets every view once. Encoding is H.264 (libx264, through
PyAV, whose wheels bundle ffmpeg) at ``crf 0`` in ``yuv444p``: lossless but for the RGB -> YUV
rounding, so a degraded view reaches the model as the build degraded it (a lossy re-encoding
would add its own compression to every variant), and any width or height works (4:2:0 needs
even sizes). The container carries no time or host: the same frames give the same bytes.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.export import inside, safe_name, scene_name, variant_of

VIDEO_FPS = 2
"""Video frames a second; Qwen2-VL's default sampling rate, so its sampler takes each view."""
CODEC = "libx264"
PIXEL_FORMAT = "yuv444p"


def video_path(source: str, scene_id: str, degradation: dict | None) -> str:
    """``videos/<dataset>/<scene_name>.mp4``: lmms-eval's vsibench rule
    (``<cache>/<dataset>/<scene_name>.mp4``) with ``videos/`` as the cache."""
    return f"videos/{safe_name(source)}/{scene_name(scene_id, degradation)}.mp4"


def decode(data: bytes, where: str) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("RGB"))
    except OSError as exc:
        raise SpatialQAError(f"{where}: not a readable image ({exc})") from None


def encode_mp4(target: Path, pictures: list[np.ndarray], where: str) -> None:
    """Write ``pictures`` (H x W x 3, uint8, one size) as an mp4 at ``target``."""
    import av  # the video exports alone need it; --help and the builds do not

    height, width = pictures[0].shape[:2]
    for number, picture in enumerate(pictures):
        if picture.shape[:2] != (height, width):
            raise SpatialQAError(
                f"{where}: frame {number} is {picture.shape[1]}x{picture.shape[0]}, the first "
                f"{width}x{height}: one video needs one size"
            )
    options = {"fflags": "+bitexact"}
    with av.open(str(target), mode="w", format="mp4", container_options=options) as container:
        stream = container.add_stream(CODEC, rate=VIDEO_FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = PIXEL_FORMAT
        stream.options = {"crf": "0", "preset": "medium"}
        stream.codec_context.flags |= av.codec.context.Flags.bitexact  # no encoder version string
        stream.thread_count = 1  # x264's output is the same for a given thread count
        for picture in pictures:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def write_videos(
    folder: Path, frames: list[dict], wanted: Iterable[tuple[str, str, str, int]]
) -> dict[str, int]:
    """Write the video of each (source, scene, degradation type, severity) in ``wanted`` from
    one shard's frame rows, inside ``folder``; returns relative path -> frame count."""
    groups: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    for frame in frames:
        groups[(frame["scene_id"], *variant_of(frame["degradation"]))].append(frame)
    written = {}
    for source, scene_id, kind, severity in sorted(set(wanted)):
        members = groups.get((scene_id, kind, severity))
        degradation = None if kind == "clean" else {"type": kind, "severity": severity}
        relative = video_path(source, scene_id, degradation)
        if not members:
            raise SpatialQAError(
                f"scene {scene_id} ({kind} {severity}): no frames in frames/ to make "
                f"{relative} from (was it built with output.inline_images: none?)"
            )
        members.sort(key=lambda f: (f["timestamp"], f["frame_id"]))
        where = f"scene {scene_id} ({kind} {severity})"
        pictures = [decode(f["image"]["bytes"], f"{where}, frame {f['frame_id']}") for f in members]
        target = inside(folder, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        encode_mp4(target, pictures, where)
        written[relative] = len(pictures)
    return written
