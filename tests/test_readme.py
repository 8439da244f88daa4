"""The README's library examples run as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_block(marker: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


def test_library_example_runs():
    namespace: dict = {}
    exec(compile(python_block("spatialqa.oracle"), "README.md", "exec"), namespace)
    assert namespace["fact"].value > 0


def test_the_four_library_calls_run(ray_local, tmp_path):
    """build, generate, load and ray_dataset as the README shows them; its outputs go below
    ``out/`` (here below a temporary folder: Ray's workers write relative paths from where
    Ray started, not from a directory the test changes to)."""
    import pyarrow.parquet as pq

    example = python_block("spatialqa.ray_dataset")
    assert example.count('"out/') == 3
    example = example.replace('"out/', f'"{tmp_path}/out/')
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    rows, manifest = namespace["rows"], namespace["manifest"]
    assert manifest["samples"] == len(rows) > 0 and manifest["skipped"] == []
    assert {row["task"] for row in rows} == {"object_abs_distance", "object_counting"}
    assert all(
        len(image) == len(row["views"])
        for image, row in zip(namespace["samples"]["images"], rows, strict=True)
    )
    words = pq.read_table(tmp_path / "out" / "notebook-words").to_pylist()
    expected = {row["id"]: len(row["question"].split()) for row in rows}
    assert {w["id"]: w["words"] for w in words} == expected
