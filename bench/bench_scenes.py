"""Procedural rooms per second, per room type, and loader throughput on scan-sized fixtures.

    python bench/bench_scenes.py [--rooms 24] [--vertices 200000] [--frames 300] [--repeats 3]

Procedural: ``procedural_scene(seed, index, room_type=...)`` with the default 32 walkthrough
frames. Loaders: a ScanNet v2 scan, a ScanNet++ scene and an ARKitScenes video written to a
temporary folder in their real layouts, with a mesh of about ``--vertices`` vertices split
into 40 instances and ``--frames`` camera frames (no images: the loaders only check that image
files exist). Prints medians of ``--repeats`` runs; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import trimesh
from scipy.spatial.transform import Rotation

from spatialqa.scenes.arkitscenes import load_arkitscenes
from spatialqa.scenes.camera import look_at
from spatialqa.scenes.procedural import ROOM_TYPES, procedural_scene
from spatialqa.scenes.scannet import load_scannet
from spatialqa.scenes.scannetpp import load_scannetpp

INSTANCES = 40
K = [[500.0, 0.0, 320.0], [0.0, 500.0, 240.0], [0.0, 0.0, 1.0]]


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scan_mesh(vertices: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Icospheres on a grid in a 6 x 6 m room, one per instance; (vertices, faces, owner)."""
    level = max(1, int(np.log(vertices / INSTANCES / 12) / np.log(4) + 0.5))
    sphere = trimesh.creation.icosphere(subdivisions=level, radius=0.3)
    parts, faces, owner = [], [], []
    for i in range(INSTANCES):
        center = [0.6 + (i % 7) * 0.8, 0.6 + (i // 7) * 0.8, 0.4]
        faces.append(sphere.faces + sum(len(p) for p in parts))
        parts.append(sphere.vertices + center)
        owner.append(np.full(len(sphere.vertices), i))
    return np.concatenate(parts), np.concatenate(faces), np.concatenate(owner)


def trajectory(frames: int) -> list[np.ndarray]:
    angles = np.linspace(0, 2 * np.pi, frames, endpoint=False)
    return [look_at([3 + 2.5 * np.cos(a), 3 + 2.5 * np.sin(a), 1.5], [3, 3, 0.5]) for a in angles]


def write_ply(path: Path, vertices, faces) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    trimesh.Trimesh(vertices, faces, process=False).export(path, encoding="binary")


def write_scannet(root: Path, vertices, faces, owner, frames: int) -> Path:
    scan = root / "scene0000_00"
    write_ply(scan / "scene0000_00_vh_clean_2.ply", vertices, faces)
    (scan / "scene0000_00_vh_clean_2.0.010000.segs.json").write_text(
        json.dumps({"segIndices": owner.tolist()})
    )
    groups = [{"objectId": i, "label": "chair", "segments": [i]} for i in range(INSTANCES)]
    (scan / "scene0000_00.aggregation.json").write_text(json.dumps({"segGroups": groups}))
    (root / "scannetv2-labels.combined.tsv").write_text("raw_category\tcategory\nchair\tchair\n")
    align = " ".join(str(x) for x in np.eye(4).ravel())
    (scan / "scene0000_00.txt").write_text(
        f"axisAlignment = {align}\ncolorWidth = 640\ncolorHeight = 480\n"
    )
    (scan / "intrinsic").mkdir()
    intrinsic = np.eye(4)
    intrinsic[:3, :3] = K
    np.savetxt(scan / "intrinsic" / "intrinsic_color.txt", intrinsic, fmt="%f")
    (scan / "pose").mkdir()
    for i, pose in enumerate(trajectory(frames)):
        np.savetxt(scan / "pose" / f"{i}.txt", pose, fmt="%f")
    return scan


def write_scannetpp(root: Path, vertices, faces, owner, frames: int) -> Path:
    scene = root / "0a5c013435"
    write_ply(scene / "scans" / "mesh_aligned_0.05.ply", vertices, faces)
    (scene / "scans" / "segments.json").write_text(
        json.dumps({"segIndices": list(range(len(vertices)))})
    )
    groups = []
    for i in range(INSTANCES):
        members = np.flatnonzero(owner == i)
        obb = {
            "centroid": vertices[members].mean(axis=0).tolist(),
            "axesLengths": [0.6, 0.6, 0.6],
            "normalizedAxes": np.eye(3).ravel().tolist(),
        }
        groups.append(
            {"objectId": i + 1, "label": "chair", "segments": members.tolist(), "obb": obb}
        )
    (scene / "scans" / "segments_anno.json").write_text(json.dumps({"segGroups": groups}))
    (scene / "iphone" / "colmap").mkdir(parents=True)
    (scene / "iphone" / "colmap" / "cameras.txt").write_text("1 PINHOLE 640 480 500 500 320 240\n")
    images = []  # COLMAP images.txt: world-to-camera, quaternion (w, x, y, z), then 2D points
    for i, pose in enumerate(trajectory(frames)):
        x, y, z, w = Rotation.from_matrix(pose[:3, :3].T).as_quat()
        t = -pose[:3, :3].T @ pose[:3, 3]
        images += [f"{i + 1} {w} {x} {y} {z} {t[0]} {t[1]} {t[2]} 1 frame_{i:06d}.jpg", ""]
    (scene / "iphone" / "colmap" / "images.txt").write_text("\n".join(images) + "\n")
    poses = {
        f"frame_{i:06d}": {"aligned_pose": pose.tolist(), "intrinsic": K}
        for i, pose in enumerate(trajectory(frames))
    }
    (scene / "iphone" / "pose_intrinsic_imu.json").write_text(json.dumps(poses))
    return scene


def write_arkitscenes(root: Path, vertices, faces, owner, frames: int) -> Path:
    video = root / "41254925"
    write_ply(video / "41254925_3dod_mesh.ply", vertices, faces)
    data = []
    for i in range(INSTANCES):
        center = vertices[owner == i].mean(axis=0)
        box = {"centroid": center.tolist(), "axesLengths": [0.62, 0.62, 0.62]}
        box["normalizedAxes"] = np.eye(3).ravel().tolist()
        data.append({"uid": str(i), "label": "chair", "segments": {"obbAligned": box}})
    (video / "41254925_3dod_annotation.json").write_text(json.dumps({"data": data}))
    folder = video / "41254925_frames"
    (folder / "lowres_wide_intrinsics").mkdir(parents=True)
    lines = []
    for i, pose in enumerate(trajectory(frames)):
        t = 100.0 + i * 0.1
        inverse = np.linalg.inv(pose)
        angle, direction, _ = trimesh.transformations.rotation_from_matrix(inverse)
        values = [t, *(angle * direction), *inverse[:3, 3]]
        lines.append(" ".join(f"{x:.9f}" for x in values))
        (folder / "lowres_wide_intrinsics" / f"41254925_{t:.3f}.pincam").write_text(
            "640 480 500 500 320 240\n"
        )
    (folder / "lowres_wide.traj").write_text("\n".join(lines) + "\n")
    return video


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=24, help="rooms per type (default 24)")
    parser.add_argument("--vertices", type=int, default=200_000)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    procedural_scene(0, 0)  # imports and caches warm
    total = 0.0
    for kind in ROOM_TYPES:
        per_room = []
        for index in range(args.rooms):
            start = time.perf_counter()
            scene = procedural_scene(0, index, room_type=kind)
            per_room.append(time.perf_counter() - start)
        total += sum(per_room)
        print(
            f"procedural {kind:<12} median {statistics.median(per_room) * 1000:6.1f} ms/room "
            f"({1 / statistics.median(per_room):5.1f} rooms/s; e.g. {len(scene.objects)} "
            "objects)"
        )
    rooms = args.rooms * len(ROOM_TYPES)
    print(f"procedural all types: {rooms / total:.1f} rooms/s ({total / rooms * 1000:.1f} ms/room)")

    vertices, faces, owner = scan_mesh(args.vertices)
    print(f"loader fixtures: {len(vertices)} vertices, {len(faces)} faces, {args.frames} frames")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, write, load in (
            ("scannet", write_scannet, load_scannet),
            ("scannetpp", write_scannetpp, load_scannetpp),
            ("arkitscenes", write_arkitscenes, load_arkitscenes),
        ):
            path = write(root / name, vertices, faces, owner, args.frames)
            scene = load(path)
            seconds = median_seconds(lambda: load(path), args.repeats)  # noqa: B023
            print(
                f"loader {name:<12} {seconds * 1000:7.1f} ms/scene ({1 / seconds:5.2f} scenes/s, "
                f"{len(vertices) / seconds / 1e6:5.2f} M vertices/s; {len(scene.objects)} "
                f"objects, {len(scene.trajectories[0].frames)} frames)"
            )


if __name__ == "__main__":
    main()
