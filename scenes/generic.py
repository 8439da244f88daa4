"""Any labelled mesh file to the canonical Scene: glTF/GLB, OBJ or PLY.

The labelling convention (one, so that files are unambiguous):

- glTF/GLB nodes and OBJ objects (``o``) or groups (``g``) are named ``<category>.<instance>``,
  e.g. ``chair.3`` or ``dining table.12`` (the instance is a non-negative integer, unique in
  the file; the category may contain spaces and dots). ``wall``, ``floor`` and ``ceiling``
  (optionally ``.<n>``) are structure. Any other name is unlabelled geometry: it is kept as
  structure "unlabelled", because it still occludes, and reported.
- PLY vertices carry an integer property ``instance``; the header names the categories with
  one comment per instance, ``comment instance <id> <category>``. Vertices whose instance has
  no such comment (e.g. -1) are unlabelled. A face belongs to an instance when its three
  vertices do.

Units are metres. A glTF node's vertices are placed by its world matrix: the product of the
local matrices (``matrix``, or ``T R S`` with the rotation a unit quaternion x, y, z, w) from
the scene's root down to the node, as the glTF 2.0 specification defines. Up: glTF is y-up by
its specification (right-handed, +Y up, +Z the asset's front) and is turned z-up by the
rotation (x, y, z) -> (x, -z, y); OBJ and PLY are taken as z-up unless ``up="y"``. The
conversion made is recorded in the scene's source. A file has no cameras (glTF cameras are not
read): the Scene gets a look-at orbit as its "walkthrough".
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import trimesh

from spatialqa.errors import SceneError
from spatialqa.scenes.assemble import (
    STRUCTURE_CATEGORIES,
    Y_UP_TO_Z_UP,
    LoadReport,
    assemble_scene,
    orbit_frames,
    read_ply,
    split_instances,
)
from spatialqa.scenes.formats import SceneFormat, register_format
from spatialqa.scenes.scene import Scene

__all__ = ["GENERIC_SUFFIXES", "is_generic", "load_generic", "parse_label"]

GENERIC_SUFFIXES = (".glb", ".gltf", ".obj", ".ply")
_LABEL = re.compile(r"(?P<category>.*\S)\.(?P<instance>\d+)")


def parse_label(name: str) -> tuple[str, int | None] | None:
    """``"chair.3"`` -> ("chair", 3); ``"wall"`` / ``"wall.2"`` -> ("wall", None); else None."""
    name = name.strip()
    match = _LABEL.fullmatch(name)
    category = (match["category"] if match else name).strip().lower()
    if category in STRUCTURE_CATEGORIES:
        return category, None
    if match is None:
        return None
    return category, int(match["instance"])


def _obj_parts(path: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, vertices, faces) per ``o``/``g`` block of an OBJ file; polygons fanned."""
    vertices: list[list[float]] = []
    blocks: list[tuple[str, list[list[int]]]] = [("", [])]
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        parts = line.split()
        if not parts:
            continue
        try:
            if parts[0] == "v":
                vertices.append([float(x) for x in parts[1:4]])
            elif parts[0] in ("o", "g"):
                blocks.append((" ".join(parts[1:]), []))
            elif parts[0] == "f":
                idx = [int(p.split("/")[0]) for p in parts[1:]]
                idx = [i - 1 if i > 0 else len(vertices) + i for i in idx]
                blocks[-1][1].extend([idx[0], idx[k], idx[k + 1]] for k in range(1, len(idx) - 1))
        except (ValueError, IndexError):
            raise SceneError(f"{path}: line {number + 1}: cannot parse {parts[0]!r}") from None
    all_vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    out = []
    for name, faces in blocks:
        if faces:
            f = np.asarray(faces, dtype=np.int64)
            if f.max() >= len(all_vertices) or f.min() < 0:
                raise SceneError(f"{path}: object {name!r}: face index out of range")
            used, inverse = np.unique(f, return_inverse=True)
            out.append((name, all_vertices[used], inverse.reshape(-1, 3)))
    return out


def _gltf_parts(path: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    try:
        scene = trimesh.load(path, force="scene", process=False)
    except Exception as exc:  # trimesh raises many types for a bad file
        raise SceneError(f"{path}: cannot read glTF ({exc})") from None
    out = []
    for node in sorted(scene.graph.nodes_geometry):
        transform, geometry = scene.graph[node]
        mesh = scene.geometry[geometry]
        if isinstance(mesh, trimesh.Trimesh) and len(mesh.faces):
            world = trimesh.transform_points(np.asarray(mesh.vertices), transform)
            out.append((str(node), world, np.asarray(mesh.faces)))
    return out


def is_generic(path: Path) -> bool:
    """A mesh file of a suffix ``load_generic`` reads (any such file matches)."""
    return path.is_file() and path.suffix.lower() in GENERIC_SUFFIXES


def load_generic(path: str | Path, *, up: str | None = None, frames: int = 32) -> Scene:
    """Load a labelled glTF/GLB, OBJ or PLY file (see the module docstring for the labels).

    Parameters
    ----------
    path : path
        The file; its stem is the scene id.
    up : {"y", "z"}, optional
        The file's up axis; glTF defaults to "y" (its specification), OBJ and PLY to "z".
    frames : int
        Frames of the synthesised look-at orbit (the file has no cameras); 0 for none.
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in GENERIC_SUFFIXES:
        raise SceneError(f"{file}: unsupported suffix (expected one of {GENERIC_SUFFIXES})")
    if not file.is_file():
        raise SceneError(f"{file}: file not found")
    up = up or ("y" if suffix in (".glb", ".gltf") else "z")
    if up not in ("y", "z"):
        raise SceneError(f"up must be 'y' or 'z' (got {up!r})")
    report = LoadReport("generic", file.name)
    if suffix == ".ply":
        vertices, faces, labels, categories = _ply_labels(file, report)
    else:
        vertices, faces, labels, categories = _named_labels(file, report)
    if up == "y":
        vertices = vertices @ Y_UP_TO_Z_UP.T
        report.note("y-up turned z-up (x, -z, y)")
    else:
        report.note("taken as z-up metres")
    objects, structure = split_instances(vertices, faces, labels, categories, report)
    trajectories = None
    if frames > 0 and objects:
        trajectories = {"walkthrough": orbit_frames(objects, structure, None, frames)}
        report.note(f"no cameras in the file: synthesised look-at orbit of {frames} frames")
    return assemble_scene(file.stem, report, objects, structure, trajectories=trajectories)


_Labelled = tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]
"""Vertices, faces, the instance of every vertex, and each instance's category."""


def _ply_labels(file: Path, report: LoadReport) -> _Labelled:
    """A PLY's vertex property ``instance`` and its ``comment instance <id> <category>`` lines."""
    categories: dict[int, str] = {}
    ply = read_ply(file)
    if "instance" not in ply.properties:
        raise SceneError(f"{file}: vertex property 'instance' missing")
    for comment in ply.comments:
        words = comment.split(maxsplit=2)
        if len(words) == 3 and words[0] == "instance" and words[1].lstrip("-").isdigit():
            categories[int(words[1])] = words[2].strip().lower()
    labels = ply.properties["instance"].astype(np.int64)
    report.note("labels from PLY vertex property 'instance' and 'comment instance' lines")
    return ply.vertices, ply.faces, labels, categories


def _named_labels(file: Path, report: LoadReport) -> _Labelled:
    """OBJ objects or groups, or glTF nodes, named ``<category>.<instance>``; structure names
    without an instance get ids -2, -3, ...; other parts are unlabelled (-1)."""
    categories: dict[int, str] = {}
    parts = _obj_parts(file) if file.suffix.lower() == ".obj" else _gltf_parts(file)
    structure_ids = {}
    vertices_list, faces_list, label_list, offset = [], [], [], 0
    next_structure = -2
    unnamed = []
    for name, v, f in parts:
        parsed = parse_label(name)
        if parsed is None:
            instance = -1
            unnamed.append(name or "(no name)")
        elif parsed[1] is None:
            if parsed[0] not in structure_ids:
                structure_ids[parsed[0]] = next_structure
                next_structure -= 1
            instance = structure_ids[parsed[0]]
            categories[instance] = parsed[0]
        else:
            instance = parsed[1]
            if instance in categories:
                raise SceneError(f"{file}: instance {instance} named twice ({name!r})")
            categories[instance] = parsed[0]
        vertices_list.append(v)
        faces_list.append(f + offset)
        label_list.append(np.full(len(v), instance))
        offset += len(v)
    if not vertices_list:
        raise SceneError(f"{file}: no triangles")
    report.note("labels from node/object names '<category>.<instance>'")
    if unnamed:
        report.warn(f"{len(unnamed)} parts without a '<category>.<instance>' name: {unnamed}")
    vertices, faces = np.concatenate(vertices_list), np.concatenate(faces_list)
    return vertices, faces, np.concatenate(label_list), categories


register_format(SceneFormat("generic", is_generic, load_generic, order=90, file=True))
