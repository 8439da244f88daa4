"""3D scenes in, one canonical Scene out: the model, the scene directory, procedural rooms."""

from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.io import load_scene, save_scene
from spatialqa.scenes.procedural import procedural_scene
from spatialqa.scenes.scene import Frame, Room, Scene, SceneObject, Source, Structure, Trajectory

__all__ = [
    "Frame",
    "Room",
    "Scene",
    "SceneObject",
    "Source",
    "Structure",
    "Trajectory",
    "intrinsics",
    "load_scene",
    "look_at",
    "procedural_scene",
    "save_scene",
]
