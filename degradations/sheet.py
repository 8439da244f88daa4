"""Contact sheets: one frame under every degradation type (rows) and severity (columns), and
rooms (rows) seen from a few views (columns)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from spatialqa import moved
from spatialqa.degradations.base import SEVERITIES
from spatialqa.degradations.delivery import CLEAN, render_and_degrade, resolve_backend
from spatialqa.degradations.materials import DEFAULT_LOOK, room_type
from spatialqa.degradations.raycast import RaycastRenderer
from spatialqa.degradations.registry import DEGRADATIONS
from spatialqa.degradations.render import RasterRenderer
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
    titles = ["clean", *(f"severity {s}" for s in SEVERITIES)]
    rows = [(kind, [tiles[CLEAN], *(tiles[kind, s] for s in SEVERITIES)]) for kind in types]
    return tile_grid(titles, rows, (frame.width, frame.height))


def tile_grid(
    titles: Sequence[str],
    rows: Sequence[tuple[str, Sequence[np.ndarray | None]]],
    size: tuple[int, int],
) -> np.ndarray:
    """An (H, W, 3) uint8 sheet: column ``titles`` on top, then per row its label (lines
    split at newlines) on the left and its (height, width, 3) tiles of ``size`` (width,
    height) left to right; a None tile stays blank."""
    width, height = size
    sheet = Image.new(
        "RGB",
        (LABEL_WIDTH + len(titles) * width, HEADER_HEIGHT + len(rows) * height),
        BACKGROUND,
    )
    pen = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=16)
    for column, title in enumerate(titles):
        pen.text((LABEL_WIDTH + column * width + 6, 4), title, fill=INK, font=font)
    for row, (label, images) in enumerate(rows):
        top = HEADER_HEIGHT + row * height
        lines = label.split("\n")
        for k, line in enumerate(lines):
            y = top + height // 2 - 8 + 18 * k - 9 * (len(lines) - 1)
            pen.text((6, y), line, fill=INK, font=font)
        for column, image in enumerate(images):
            if image is not None:
                sheet.paste(Image.fromarray(image), (LABEL_WIDTH + column * width, top))
    return np.asarray(sheet)


def room_sheet(
    views: Sequence[tuple[Scene, Sequence[Frame]]],
    size: tuple[int, int] = (320, 240),
    backend: str = "auto",
    look: str = DEFAULT_LOOK,
) -> np.ndarray:
    """An (H, W, 3) uint8 sheet of rooms (rows: scene id and room type) seen from their views
    (columns, rendered clean at ``size``); a room with fewer views leaves blank tiles."""
    columns = max((len(frames) for _, frames in views), default=0)
    rows = []
    for scene, frames in views:
        raster = resolve_backend(backend) == "raster"
        renderer = RasterRenderer(scene, look) if raster else RaycastRenderer(scene, look)
        try:
            images = [renderer.render_rgb(frame.resized(*size)) for frame in frames]
        finally:
            renderer.close()
        label = scene.scene_id + (f"\n{room_type(scene)}" if room_type(scene) else "")
        rows.append((label, images + [None] * (columns - len(images))))
    return tile_grid([f"view {k + 1}" for k in range(columns)], rows, size)


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
