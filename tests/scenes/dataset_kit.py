"""Tiny datasets written in their real on-disk layouts, with answers worked out by hand.

Every fixture has the same content in its own conventions: a floor slab, a chair at +x of
the source frame, a table, a box of unlabelled clutter, and two good camera frames looking
along the source's +x axis at the chair from three metres away (plus bad frames where the
format has a way to be bad). The camera looks at (2, 0, 1) in source z-up coordinates from
(-3, 0, 1); with fx = fy = 500, cx = 320, cy = 240 the point (2, -0.5, 1.5) projects to
pixel (370, 190): it lies 5 m ahead, 0.5 m to the camera's right and 0.5 m up.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

FX = FY = 500.0
CX, CY = 320.0, 240.0
WIDTH, HEIGHT = 640, 480
K = np.array([[FX, 0.0, CX], [0.0, FY, CY], [0.0, 0.0, 1.0]])
EYE = np.array([-3.0, 0.0, 1.0])
EYE_HIGH = np.array([-3.0, 0.0, 1.5])  # the second frame, looking at (2, 0, 1)
PROBE = np.array([2.0, -0.5, 1.5])  # source z-up coordinates
PROBE_PIXEL = (370.0, 190.0)

# name, raw label, centre (source z-up), size
BOXES = [
    ("floor", "floor", (0.0, 0.0, -0.025), (8.0, 8.0, 0.05)),
    ("chair", "office chair", (2.0, 0.0, 0.5), (0.5, 0.5, 1.0)),
    ("table", "kitchen table", (0.0, 2.0, 0.375), (1.2, 0.8, 0.75)),
    ("clutter", None, (0.0, -2.0, 0.25), (0.5, 0.5, 0.5)),
]


def camera_to_world(eye=EYE, target=(2.0, 0.0, 1.0)) -> np.ndarray:
    """OpenCV camera-to-world pose in the source z-up frame (independent of look_at)."""
    forward = np.asarray(target, float) - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    pose = np.eye(4)
    pose[:3, :3] = np.column_stack([right, down, forward])
    pose[:3, 3] = eye
    return pose


def boxes_mesh(transform: np.ndarray | None = None):
    """All boxes in one mesh; returns (vertices, faces, box index of each vertex)."""
    vertices, faces, owner = [], [], []
    for index, (_, _, center, size) in enumerate(BOXES):
        box = trimesh.creation.box(extents=size)
        faces.append(box.faces + sum(len(v) for v in vertices))
        vertices.append(box.vertices + center)
        owner.append(np.full(len(box.vertices), index))
    v = np.concatenate(vertices)
    if transform is not None:
        v = v @ transform[:3, :3].T + transform[:3, 3]
    return v, np.concatenate(faces), np.concatenate(owner)


def write_ply(path: Path, vertices, faces, extra: dict[str, np.ndarray] | None = None, comments=()):
    """Binary little-endian PLY, float32 coordinates, int extra vertex properties."""
    extra = extra or {}
    fields = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")] + [(k, "<i4") for k in extra]
    data = np.zeros(len(vertices), dtype=fields)
    data["x"], data["y"], data["z"] = np.asarray(vertices, dtype=np.float64).T
    for key, values in extra.items():
        data[key] = values
    tri = np.zeros(len(faces), dtype=[("n", "u1"), ("i", "<i4", (3,))])
    tri["n"], tri["i"] = 3, faces
    header = ["ply", "format binary_little_endian 1.0", *[f"comment {c}" for c in comments]]
    header += [f"element vertex {len(vertices)}"]
    header += [f"property {'float' if t == '<f4' else 'int'} {k}" for k, t in fields]
    header += [f"element face {len(faces)}", "property list uchar int vertex_indices"]
    header += ["end_header", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(header).encode() + data.tobytes() + tri.tobytes())


def write_image(path: Path, size=(WIDTH, HEIGHT), depth=False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if depth:
        Image.fromarray(np.full(size[::-1], 3000, dtype=np.uint16)).save(path)
    else:
        Image.new("RGB", size, (120, 90, 60)).save(path)


def matrix_text(matrix: np.ndarray) -> str:
    return "\n".join(" ".join(f"{x:f}" for x in row) for row in matrix) + "\n"


# --------------------------------------------------------------------------- ScanNet v2

SCANNET_ALIGN = np.array(
    [[0.0, -1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 1.0, 0.0], [0, 0, 0, 1.0]]
)
"""axisAlignment of the fixture: a quarter turn about z, then a shift by (1, 2, 0)."""


def write_scannet(root: Path, name: str = "scene0007_00") -> Path:
    scan = root / "scans" / name
    vertices, faces, owner = boxes_mesh()
    write_ply(scan / f"{name}_vh_clean_2.ply", vertices, faces)
    segments = owner * 10 + 3  # one segment per box
    (scan / f"{name}_vh_clean_2.0.010000.segs.json").write_text(
        json.dumps({"sceneId": name, "segIndices": segments.tolist()})
    )
    groups = [
        {"id": i, "objectId": i, "segments": [i * 10 + 3], "label": label}
        for i, (_, label, _, _) in enumerate(BOXES)
        if label is not None
    ]
    groups.append({"id": 9, "objectId": 9, "segments": [999], "label": "lamp"})  # no points
    (scan / f"{name}.aggregation.json").write_text(
        json.dumps({"sceneId": name, "appId": "test", "segGroups": groups})
    )
    alignment = " ".join(f"{x:g}" for x in SCANNET_ALIGN.ravel())
    (scan / f"{name}.txt").write_text(
        f"axisAlignment = {alignment}\ncolorHeight = {HEIGHT}\ncolorWidth = {WIDTH}\n"
        "depthHeight = 480\ndepthWidth = 640\n"
    )
    columns = ["id", "raw_category", "category", "count", "nyu40id", "nyu40class"]
    rows = [
        ["1", "floor", "floor", "1", "2", "floor"],
        ["2", "office chair", "chair", "1", "5", "chair"],
        ["3", "kitchen table", "table", "1", "7", "table"],
        ["4", "lamp", "lamp", "1", "35", "lamp"],
    ]
    (root / "scannetv2-labels.combined.tsv").write_text(
        "\n".join("\t".join(r) for r in [columns, *rows]) + "\n"
    )
    intrinsic = np.eye(4)
    intrinsic[:3, :3] = K
    (scan / "intrinsic").mkdir(parents=True)
    (scan / "intrinsic" / "intrinsic_color.txt").write_text(matrix_text(intrinsic))
    (scan / "pose").mkdir()
    for index, pose in ((0, camera_to_world()), (15, camera_to_world(EYE_HIGH))):
        (scan / "pose" / f"{index}.txt").write_text(matrix_text(pose))
        write_image(scan / "color" / f"{index}.jpg")
        write_image(scan / "depth" / f"{index}.png", depth=True)
    bad = np.full((4, 4), -np.inf)
    (scan / "pose" / "30.txt").write_text(
        "\n".join(" ".join("-inf" for _ in row) for row in bad) + "\n"
    )
    return scan


# --------------------------------------------------------------------------- ScanNet++

_C, _S = np.cos(np.pi / 6), np.sin(np.pi / 6)
TABLE_AXES = np.array([[_C, _S, 0.0], [-_S, _C, 0.0], [0.0, 0.0, 1.0]])
"""Rows: the table's annotated box axes, turned 30 degrees about z."""


def nerfstudio_matrix(pose: np.ndarray) -> list:
    """``transform_matrix`` as scannetpp's ``common/utils/nerfstudio.py`` (``convert_frames``)
    writes it from an OpenCV camera-to-world: the camera's y and z columns negated (OpenGL),
    then the world's x and y rows swapped and its z row negated."""
    matrix = np.array(pose, dtype=np.float64)
    matrix[:3, 1:3] = -matrix[:3, 1:3]
    matrix = matrix[[1, 0, 2, 3]]
    matrix[2] = -matrix[2]
    return matrix.tolist()


def write_scannetpp(root: Path, scene_id: str = "0a5c013435") -> Path:
    scene = root / "data" / scene_id
    vertices, faces, owner = boxes_mesh()
    write_ply(scene / "scans" / "mesh_aligned_0.05.ply", vertices, faces)
    # ScanNet++ segments are per vertex: segment i is vertex i.
    (scene / "scans" / "segments.json").write_text(
        json.dumps({"segIndices": list(range(len(vertices)))})
    )
    groups = []
    for index, (_, label, center, _) in enumerate(BOXES):
        if label is None:
            continue
        members = np.flatnonzero(owner == index).tolist()
        group = {"id": index + 1, "objectId": index + 1, "label": label, "segments": members}
        if label == "kitchen table":
            group["obb"] = {
                "centroid": list(center),
                "axesLengths": [1.3, 0.9, 0.8],
                "normalizedAxes": TABLE_AXES.ravel().tolist(),
            }
        groups.append(group)
    groups.append({"id": 7, "objectId": 7, "label": "lamp", "segments": []})
    (scene / "scans" / "segments_anno.json").write_text(
        json.dumps({"sceneId": scene_id, "segGroups": groups})
    )
    iphone = scene / "iphone"
    entries = {
        "frame_000000": {"aligned_pose": camera_to_world().tolist(), "intrinsic": K.tolist()},
        "frame_000030": {
            "aligned_pose": camera_to_world(EYE_HIGH).tolist(),
            "intrinsic": K.tolist(),
        },
        "frame_000060": {"aligned_pose": [[float("nan")] * 4] * 4, "intrinsic": K.tolist()},
    }
    iphone.mkdir(parents=True)
    (iphone / "pose_intrinsic_imu.json").write_text(json.dumps(entries))
    for frame_id in entries:
        write_image(iphone / "rgb" / f"{frame_id}.jpg")
        write_image(iphone / "depth" / f"{frame_id}.png", size=(256, 192), depth=True)
    gl_first = nerfstudio_matrix(camera_to_world())
    transforms = {
        "fl_x": FX, "fl_y": FY, "cx": CX, "cy": CY, "w": WIDTH, "h": HEIGHT,
        "camera_model": "PINHOLE",
        "frames": [
            {"file_path": "DSC00002.JPG", "transform_matrix": gl_first},
            {"file_path": "DSC00009.JPG", "transform_matrix": np.eye(4).tolist(), "is_bad": True},
        ],
        "test_frames": [
            {
                "file_path": "DSC00005.JPG",
                "transform_matrix": nerfstudio_matrix(camera_to_world(EYE_HIGH)),
            }
        ],
    }  # fmt: skip
    (scene / "dslr" / "nerfstudio").mkdir(parents=True)
    (scene / "dslr" / "nerfstudio" / "transforms_undistorted.json").write_text(
        json.dumps(transforms)
    )
    return scene


# --------------------------------------------------------------------------- ARKitScenes

ARKIT_TIMES = (6845.7061, 6846.2061)


def axis_angle(rotation: np.ndarray) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    return Rotation.from_matrix(rotation).as_rotvec()


def write_arkitscenes(root: Path, video: str = "41254925") -> Path:
    folder = root / "3dod" / "Training" / video
    vertices, faces, _ = boxes_mesh()
    write_ply(folder / f"{video}_3dod_mesh.ply", vertices, faces)
    data = []
    for _, label, center, size in BOXES[1:3]:  # chair and table
        grown = np.asarray(size) + 0.02
        data.append(
            {
                "uid": f"uid-{label}",
                "label": label.split()[-1],
                "segments": {
                    "obbAligned": {
                        "centroid": list(center),
                        "axesLengths": grown.tolist(),
                        "normalizedAxes": np.eye(3).ravel().tolist(),
                    }
                },
            }
        )
    data.append(
        {
            "uid": "uid-ghost",
            "label": "tv_monitor",
            "segments": {
                "obbAligned": {
                    "centroid": [-3.5, 3.5, 2.0],
                    "axesLengths": [0.2, 0.2, 0.2],
                    "normalizedAxes": np.eye(3).ravel().tolist(),
                }
            },
        }
    )
    (folder / f"{video}_3dod_annotation.json").write_text(
        json.dumps({"data": data, "skipped": False, "stats": {}})
    )
    frames = folder / f"{video}_frames"
    (frames / "lowres_wide_intrinsics").mkdir(parents=True)
    lines = []
    for t, eye in zip(ARKIT_TIMES, (EYE, EYE_HIGH), strict=True):
        world_to_camera = np.linalg.inv(camera_to_world(eye))
        rotvec = axis_angle(world_to_camera[:3, :3])
        lines.append(" ".join(f"{x:.9f}" for x in [t, *rotvec, *world_to_camera[:3, 3]]))
        stamp = f"{t:.3f}"
        (frames / "lowres_wide_intrinsics" / f"{video}_{stamp}.pincam").write_text(
            f"{WIDTH} {HEIGHT} {FX} {FY} {CX} {CY}\n"
        )
        write_image(frames / "lowres_wide" / f"{video}_{stamp}.png")
    # A frame whose pose the trajectory lacks.
    (frames / "lowres_wide_intrinsics" / f"{video}_6849.000.pincam").write_text(
        f"{WIDTH} {HEIGHT} {FX} {FY} {CX} {CY}\n"
    )
    (frames / "lowres_wide.traj").write_text("\n".join(lines) + "\n")
    return folder


# --------------------------------------------------------------------------- 3D-FRONT


def obj_text(vertices, faces) -> str:
    lines = [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in vertices]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in faces]
    return "\n".join(lines) + "\n"


def child(ref, pos, rot=(0, 0, 0, 1), scale=(1, 1, 1)) -> dict:
    return {"ref": ref, "pos": list(pos), "rot": list(rot), "scale": list(scale)}


def write_front3d(root: Path) -> Path:
    """A living room: a chair model (y-up, 0.4 wide, 1.0 tall, 0.6 deep) turned 90 degrees
    about y and placed at (2, 0, -1), a unit table scaled by (2, 1, 1) at (0, 0, 1)."""
    future = root / "3D-FUTURE-model"
    chair = trimesh.creation.box(bounds=[[-0.2, 0.0, -0.3], [0.2, 1.0, 0.3]])
    table = trimesh.creation.box(bounds=[[-0.5, 0.0, -0.5], [0.5, 0.75, 0.5]])
    for jid, mesh in (("chair-model", chair), ("table-model", table)):
        (future / jid).mkdir(parents=True)
        (future / jid / "raw_model.obj").write_text(obj_text(mesh.vertices, mesh.faces))
    (future / "model_info.json").write_text(
        json.dumps(
            [
                {"model_id": "chair-model", "category": "Dining Chair", "super-category": "Chair"},
                {"model_id": "table-model", "category": "Coffee Table", "super-category": "Table"},
                {"model_id": "lost-model", "category": "Sofa", "super-category": "Sofa"},
            ]
        )
    )
    floor_xyz = [[-1, 0, -3], [4, 0, -3], [4, 0, 2], [-1, 0, 2]]  # y-up: x in [-1, 4], z in [-3, 2]
    ceiling_xyz = [[x, 2.8, z] for x, _, z in floor_xyz]
    s = np.sqrt(0.5)
    house = {
        "uid": "house-1",
        "furniture": [
            {"uid": "f-chair", "jid": "chair-model", "valid": True},
            {"uid": "f-table", "jid": "table-model", "valid": True},
            {"uid": "f-lost", "jid": "lost-model", "valid": True},
        ],
        "mesh": [
            {"uid": "m-floor", "type": "Floor", "xyz": np.ravel(floor_xyz).tolist(),
             "faces": [0, 2, 1, 0, 3, 2]},
            {"uid": "m-ceil", "type": "Ceiling", "xyz": np.ravel(ceiling_xyz).tolist(),
             "faces": [0, 1, 2, 0, 2, 3]},
        ],
        "scene": {
            "room": [
                {"type": "Hallway", "instanceid": "Hallway-2", "children": []},
                {
                    "type": "LivingRoom",
                    "instanceid": "LivingRoom-1",
                    "children": [
                        child("m-floor", [0, 0, 0]),
                        child("m-ceil", [0, 0, 0]),
                        child("f-chair", [2, 0, -1], rot=[0, s, 0, s]),
                        child("f-table", [0, 0, 1], scale=[2, 1, 1]),
                        child("f-lost", [1, 0, 0]),
                    ],
                },
            ]
        },
    }  # fmt: skip
    path = root / "3D-FRONT" / "house-1.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(house))
    return path
