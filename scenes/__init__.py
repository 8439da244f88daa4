"""3D scenes in, one canonical Scene out: the model, the scene directory, procedural rooms."""

from spatialqa.scenes.arkitscenes import load_arkitscenes
from spatialqa.scenes.camera import intrinsics, look_at, pixel_rays
from spatialqa.scenes.formats import FORMATS, SceneRef, detect_format, find_scenes, load_any
from spatialqa.scenes.front3d import load_front3d
from spatialqa.scenes.generic import load_generic
from spatialqa.scenes.io import load_scene, save_scene
from spatialqa.scenes.limits import Limits, check_limits
from spatialqa.scenes.procedural import ROOM_TYPES, procedural_scene
from spatialqa.scenes.scannet import load_scannet
from spatialqa.scenes.scannetpp import load_scannetpp
from spatialqa.scenes.scene import (
    BACKGROUND_ID,
    STRUCTURE_ID,
    Distortion,
    Frame,
    Keyframe,
    OrientedBox,
    Room,
    Scene,
    SceneObject,
    Source,
    Structure,
    Trajectory,
    clean_category,
)

__all__ = [
    "BACKGROUND_ID",
    "FORMATS",
    "ROOM_TYPES",
    "STRUCTURE_ID",
    "Distortion",
    "Frame",
    "Keyframe",
    "Limits",
    "OrientedBox",
    "Room",
    "Scene",
    "SceneObject",
    "SceneRef",
    "Source",
    "Structure",
    "Trajectory",
    "check_limits",
    "clean_category",
    "detect_format",
    "find_scenes",
    "intrinsics",
    "load_any",
    "load_arkitscenes",
    "load_front3d",
    "load_generic",
    "load_scannet",
    "load_scannetpp",
    "load_scene",
    "look_at",
    "pixel_rays",
    "procedural_scene",
    "save_scene",
]
