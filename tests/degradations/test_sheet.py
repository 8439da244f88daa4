"""The contact sheet: a labelled tile per type and severity, written by the command line."""

from __future__ import annotations

import room_kit as kit
from PIL import Image

from spatialqa.degradations import (
    DEGRADATIONS,
    contact_sheet,
)
from spatialqa.degradations.sheet import HEADER_HEIGHT, LABEL_WIDTH


def test_contact_sheet_has_a_labelled_tile_per_type_and_severity(scene):
    frame = kit.make_frame(width=80, height=60, f=50.0)
    sheet = contact_sheet(scene, frame, types=["haze", "jpeg"], backend="raycast")
    assert sheet.shape == (HEADER_HEIGHT + 2 * 60, LABEL_WIDTH + 6 * 80, 3)
    assert (sheet[:HEADER_HEIGHT, LABEL_WIDTH:] < 100).any()  # column titles
    assert (sheet[HEADER_HEIGHT:, :LABEL_WIDTH] < 100).any()  # row names
    clean = sheet[HEADER_HEIGHT : HEADER_HEIGHT + 60, LABEL_WIDTH : LABEL_WIDTH + 80]
    hazy = sheet[HEADER_HEIGHT : HEADER_HEIGHT + 60, LABEL_WIDTH + 5 * 80 : LABEL_WIDTH + 6 * 80]
    assert hazy.astype(int).std() < clean.astype(int).std()


def test_the_cli_writes_the_contact_sheet(tmp_path, monkeypatch):
    from spatialqa.pipelines import cli

    assert cli.main(["degradations", "--out", str(tmp_path), "--backend", "raycast",
                     "--width", "64", "--height", "48"]) == 0  # fmt: skip
    with Image.open(tmp_path / "degradations.png") as sheet:
        assert sheet.size == (LABEL_WIDTH + 6 * 64, HEADER_HEIGHT + len(DEGRADATIONS) * 48)


def test_room_sheet_has_a_row_per_room_and_a_tile_per_view(scene):
    """Two rooms, the second with one view fewer: its last tile stays blank (white)."""
    from spatialqa.degradations.sheet import room_sheet

    frames = [kit.make_frame(f"f{k}", width=80, height=60, f=50.0) for k in range(3)]
    sheet = room_sheet([(scene, frames), (scene, frames[:2])], (80, 60), backend="raycast")
    assert sheet.shape == (HEADER_HEIGHT + 2 * 60, LABEL_WIDTH + 3 * 80, 3)
    first = sheet[HEADER_HEIGHT : HEADER_HEIGHT + 60, LABEL_WIDTH : LABEL_WIDTH + 80]
    blank = sheet[HEADER_HEIGHT + 60 :, LABEL_WIDTH + 2 * 80 :]
    assert (blank == 255).all() and first.std() > 5
    assert (sheet[HEADER_HEIGHT:, :LABEL_WIDTH] < 100).any()  # the rooms' names


def test_the_cli_writes_the_room_sheet(tmp_path, capsys):
    from spatialqa.pipelines import cli

    out = tmp_path / "rooms.jpg"
    assert cli.main(["scene", "sheet", "--out", str(out), "--rooms", "2", "--views", "3",
                     "--width", "64", "--height", "48", "--backend", "raycast"]) == 0  # fmt: skip
    with Image.open(out) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == (LABEL_WIDTH + 3 * 64, HEADER_HEIGHT + 2 * 48)
    assert "2 procedural rooms (seed 0) x 3 views" in capsys.readouterr().out
    assert cli.main(["scene", "sheet", "--out", str(out), "--rooms", "0"]) == 2
    assert "--rooms must be at least 1" in capsys.readouterr().err
    assert cli.main(["scene", "validate"]) == 2
    assert "PATH is required" in capsys.readouterr().err
