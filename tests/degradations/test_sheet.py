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
