"""Shared fixtures: caches in temporary folders, one local Ray, hand-built box scenes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
import trimesh

from spatialqa.scenes import (
    Frame,
    Room,
    Scene,
    SceneObject,
    Source,
    Structure,
    Trajectory,
    look_at,
)

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ["HF_HUB_OFFLINE"] = "1"
_hf = tempfile.mkdtemp(prefix="spatialqa-hf-")
os.environ["HF_HOME"] = _hf
os.environ["HF_DATASETS_CACHE"] = os.path.join(_hf, "datasets")


@pytest.fixture(scope="session")
def ray_local():
    """A 2-CPU local Ray with a small object store, started once and stopped at the end."""
    import logging

    import ray

    temp = tempfile.mkdtemp(prefix="rq")  # short: Ray's socket paths have a length limit
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=200 * 1024**2,
        log_to_driver=False,
        logging_level=logging.WARNING,
        _temp_dir=temp,
    )
    yield ray
    ray.shutdown()


@dataclass(frozen=True)
class BoxSpec:
    """An object box: its centre, full side lengths (x, y, z before yaw) and yaw about z."""

    id: int
    category: str
    center: Sequence[float]
    size: Sequence[float] = (1.0, 1.0, 1.0)
    yaw_deg: float = 0.0
    tilt: np.ndarray | None = None  # optional extra rotation (3x3) applied before the yaw


def box_mesh(
    center: Sequence[float],
    size: Sequence[float],
    yaw_deg: float = 0.0,
    tilt: np.ndarray | None = None,
) -> trimesh.Trimesh:
    """A watertight box mesh: ``size`` about the origin, tilted, yawed about z, then moved."""
    mesh = trimesh.creation.box(extents=size)
    if tilt is not None:
        transform = np.eye(4)
        transform[:3, :3] = tilt
        mesh.apply_transform(transform)
    mesh.apply_transform(trimesh.transformations.rotation_matrix(np.radians(yaw_deg), [0, 0, 1]))
    mesh.apply_translation(center)
    return mesh


def make_frame(
    frame_id: str,
    pose: np.ndarray,
    focal: float = 500.0,
    width: int = 640,
    height: int = 480,
    t: float = 0.0,
) -> Frame:
    """A pinhole frame with the principal point at the image centre, ((w - 1) / 2, (h - 1) / 2)
    in OpenCV pixel coordinates (pixel centres at integers)."""
    K = [[focal, 0.0, (width - 1) / 2.0], [0.0, focal, (height - 1) / 2.0], [0.0, 0.0, 1.0]]
    return Frame(id=frame_id, t=t, pose=pose, K=K, width=width, height=height)


def make_scene(
    boxes: Sequence[BoxSpec],
    structure: Sequence[trimesh.Trimesh] = (),
    frames: Sequence[Frame] = (),
    footprint: Sequence[Sequence[float]] | None = None,
    extra_objects: Sequence[SceneObject] = (),
    scene_id: str = "hand_built",
) -> Scene:
    """A Scene of box objects, optional structure meshes (walls), frames and room footprint."""
    objects = [
        SceneObject(b.id, b.category, mesh=box_mesh(b.center, b.size, b.yaw_deg, b.tilt))
        for b in boxes
    ]
    return Scene(
        scene_id=scene_id,
        source=Source("test", "hand-built"),
        objects=(*objects, *extra_objects),
        structure=tuple(Structure("wall", mesh) for mesh in structure),
        room=None if footprint is None else Room(np.asarray(footprint), 2.7),
        trajectories=(Trajectory("walk", tuple(frames)),) if frames else (),
    )


def rigid_motion(scene: Scene, yaw_deg: float, shift: Sequence[float]) -> Scene:
    """The same scene rotated about z by ``yaw_deg`` and then translated by ``shift``."""
    transform = trimesh.transformations.rotation_matrix(np.radians(yaw_deg), [0, 0, 1])
    transform[:3, 3] = shift

    def moved(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
        return mesh.copy().apply_transform(transform)

    objects = tuple(
        SceneObject(
            obj.id,
            obj.category,
            mesh=None if obj.mesh is None else moved(obj.mesh),
            points=None
            if obj.points is None
            else obj.points @ transform[:3, :3].T + transform[:3, 3],
        )
        for obj in scene.objects
    )
    return Scene(
        scene_id=scene.scene_id,
        source=scene.source,
        objects=objects,
        structure=tuple(Structure(s.category, moved(s.mesh)) for s in scene.structure),
    )


@pytest.fixture(scope="session")
def scene_kit():
    """The helpers above, for tests (and hypothesis tests, hence session scope)."""

    class Kit:
        Box = BoxSpec
        box_mesh = staticmethod(box_mesh)
        look_at = staticmethod(look_at)
        frame = staticmethod(make_frame)
        scene = staticmethod(make_scene)
        moved = staticmethod(rigid_motion)

    return Kit
