"""Comparing scenes: two Scenes equal to the bit, and the bytes of every file of a directory."""

from pathlib import Path

import numpy as np

from spatialqa.scenes.scene import Scene


def assert_same_scene(a: Scene, b: Scene) -> None:
    assert (a.scene_id, a.source, a.floor_z) == (b.scene_id, b.source, b.floor_z)
    assert (a.room is None) == (b.room is None)
    if a.room is not None:
        assert np.array_equal(a.room.footprint, b.room.footprint)
        assert (a.room.height, a.room.kind) == (b.room.height, b.room.kind)
    assert len(a.objects) == len(b.objects)
    for x, y in zip(a.objects, b.objects, strict=True):
        assert (x.id, x.category, x.color) == (y.id, y.category, y.color)
        assert (x.annotated_box is None) == (y.annotated_box is None)
        if x.annotated_box is not None:
            u, v = x.annotated_box, y.annotated_box
            for name in ("center", "extent", "rotation"):
                assert np.array_equal(getattr(u, name), getattr(v, name))
        for name in ("front", "points"):
            u, v = getattr(x, name), getattr(y, name)
            assert (u is None and v is None) or np.array_equal(u, v)
        assert [k.t for k in x.motion] == [k.t for k in y.motion]
        assert all(np.array_equal(k.pose, m.pose) for k, m in zip(x.motion, y.motion, strict=True))
        assert (x.mesh is None) == (y.mesh is None)
        if x.mesh is not None:
            assert np.array_equal(x.mesh.vertices, y.mesh.vertices)
            assert np.array_equal(x.mesh.faces, y.mesh.faces)
    assert [s.category for s in a.structure] == [s.category for s in b.structure]
    for x, y in zip(a.structure, b.structure, strict=True):
        assert np.array_equal(x.mesh.vertices, y.mesh.vertices)
        assert np.array_equal(x.mesh.faces, y.mesh.faces)
    assert [t.name for t in a.trajectories] == [t.name for t in b.trajectories]
    for s, t in zip(a.trajectories, b.trajectories, strict=True):
        assert len(s.frames) == len(t.frames)
        for f, g in zip(s.frames, t.frames, strict=True):
            assert (f.id, f.t, f.width, f.height, f.rgb, f.depth) == (
                g.id,
                g.t,
                g.width,
                g.height,
                g.rgb,
                g.depth,
            )
            assert np.array_equal(f.pose, g.pose)
            assert np.array_equal(f.K, g.K)


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }
