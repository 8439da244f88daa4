"""3D scenes in, one canonical Scene out: the model, the scene directory, procedural rooms."""

from spatialqa.scenes.scene import Frame, Room, Scene, SceneObject, Source, Structure, Trajectory

__all__ = ["Frame", "Room", "Scene", "SceneObject", "Source", "Structure", "Trajectory"]
