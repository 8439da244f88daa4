"""A contact sheet: one frame under every degradation type (rows) and severity (columns)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from spatialqa import moved
from spatialqa.degradations.base import SEVERITIES
from spatialqa.degradations.delivery import CLEAN, render_and_degrade
from spatialqa.degradations.raycast import RaycastRenderer
from spatialqa.degradations.registry import DEGRADATIONS
from spatialqa.scenes import Frame, Scene

LABEL_WIDTH = 150
HEADER_HEIGHT = 26
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)


def busiest_frame(scene: Scene, trajectory: str = "walkthrough") -> Frame:
    """The trajectory's frame that shows the most objects (first of equals), judged from a
    small ray-cast render of each."""
    best, shown = None, -1
    renderer = RaycastRenderer(scene)
    for frame in scene.trajectory(trajectory).frames:
        ids = np.unique(renderer.render(frame.resized(64, 48)).instance)
        if np.count_nonzero(ids >= 0) > shown:
            best, shown = frame, int(np.count_nonzero(ids >= 0))
    assert best is not None  # a trajectory has at least one frame
    return best


def contact_sheet(
    scene: Scene,
    frame: Frame,
    types: Sequence[str] | None = None,
    backend: str = "auto",
    seed: int = 0,
) -> np.ndarray:
    """An (H, W, 3) uint8 sheet: a row per type, the clean image then severities 1..5."""
    types = sorted(DEGRADATIONS) if types is None else list(types)
    variants = [CLEAN] + [(kind, s) for kind in types for s in SEVERITIES]
    tiles = {
        delivered.variant: delivered.image
        for delivered in render_and_degrade(scene, [frame], variants, backend=backend, seed=seed)
    }
    width, height = frame.width, frame.height
    columns = 1 + len(SEVERITIES)
    sheet = Image.new(
        "RGB",
        (LABEL_WIDTH + columns * width, HEADER_HEIGHT + len(types) * height),
        BACKGROUND,
    )
    pen = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=16)
    titles = ["clean", *(f"severity {s}" for s in SEVERITIES)]
    for column, title in enumerate(titles):
        pen.text((LABEL_WIDTH + column * width + 6, 4), title, fill=INK, font=font)
    for row, kind in enumerate(types):
        top = HEADER_HEIGHT + row * height
        pen.text((6, top + height // 2 - 8), kind, fill=INK, font=font)
        sheet.paste(Image.fromarray(tiles[CLEAN]), (LABEL_WIDTH, top))
        for s in SEVERITIES:
            sheet.paste(Image.fromarray(tiles[kind, s]), (LABEL_WIDTH + s * width, top))
    return np.asarray(sheet)


def write_contact_sheet(
    scene: Scene,
    frame: Frame,
    out: str | Path,
    backend: str = "auto",
    seed: int = 0,
) -> Path:
    """Write ``degradations.png`` of ``frame`` into the directory ``out``; return its path."""
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "degradations.png"
    Image.fromarray(contact_sheet(scene, frame, backend=backend, seed=seed)).save(path)
    return path


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
