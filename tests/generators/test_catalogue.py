"""The task listing's example questions."""

from __future__ import annotations

import re


def test_the_task_listing_shows_an_example_question(capsys):
    from spatialqa.pipelines.cli import main

    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("object_abs_distance", "object_abs_distance_mc", "object_rel_direction_hard"):
        assert re.search(rf"^{name}\s", out, re.MULTILINE)
    example = out.split("\nobject_counting ")[1].splitlines()[1]
    assert re.fullmatch(r"    e\.g\. .*\(s\).* -> \d+", example), example
