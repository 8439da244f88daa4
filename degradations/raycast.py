"""Render by ray casting with the oracle's own ray caster: no OpenGL needed.

One ray per pixel centre (OpenCV: pixel (u, v) is centred at (u, v), as in the rasterising
backend) through Open3D's ``RaycastingScene`` of ``spatialqa.oracle.geometry.derived``. Depth
(camera z, metres) and instance ids are exact first hits; RGB is the same materials under the
same light as the rasterising backend (``materials.shade``), both faces of every triangle lit
(the normal turned towards the camera), with the same display gamma; a miss shows black
(classic) or the exterior the rasteriser shows (natural: ``materials.sky``). Patterns are
sampled where the rasteriser samples them: on a moved object's own geometry.
"""

from __future__ import annotations

import numpy as np
import open3d as o3d

from spatialqa import moved
from spatialqa.degradations.materials import (
    ALL_PATTERNS,
    DEFAULT_LOOK,
    GAMMA,
    LOOKS,
    MATERIALS,
    TILE_M,
    bake_light,
    baked_light_at,
    display_textures,
    object_material,
    pattern,
    rest_points,
    sample_texture,
    shade,
    sky,
    structure_material,
    surface_looks,
    triplanar_uv,
)
from spatialqa.degradations.render import ZFAR, ZNEAR, ByState, Placements, RenderedFrame
from spatialqa.oracle.geometry import derived
from spatialqa.scenes import Frame, Scene
from spatialqa.scenes.camera import pixel_rays
from spatialqa.scenes.scene import BACKGROUND_ID

_LUT_STEPS = 1 << 16
_DISPLAY = np.rint(255 * np.linspace(0.0, 1.0, _LUT_STEPS + 1) ** (1 / GAMMA)).astype(np.uint8)
"""Linear light, in steps of 1 / 65536, to display bytes: a table instead of a power per pixel."""


class RaycastRenderer:
    """Ray-cast one Scene: exact depth and masks, Lambert-shaded RGB, on the CPU.

    Objects given only as point clouds are not drawn (as in the rasterising backend and the
    oracle's visibility). A scene whose objects move is drawn in the state of each frame's
    time, by one renderer per state (``render.ByState``); ``placements`` as the rasteriser's
    (``RasterRenderer``): the objects of ``scene`` a keyframe carried, patterned on their own
    geometry.
    """

    def __init__(
        self, scene: Scene, look: str = DEFAULT_LOOK, placements: Placements | None = None
    ) -> None:
        if look not in LOOKS:
            raise ValueError(f"look: must be one of {LOOKS} (got {look!r})")
        self._scene = scene  # the derived geometry holds its scene weakly
        self._states = ByState(scene, lambda state, placed: RaycastRenderer(state, look, placed))
        if scene.moves:  # each frame is drawn by the renderer of its state
            return
        self._geometry = derived(scene)
        # (Open3D geometry id, pose) of every carried object: its hits are patterned on its
        # own geometry.
        table = self._geometry.geometry_instance
        self._carried = [
            (int(np.flatnonzero(table == ident)[0]), np.asarray(pose, dtype=np.float64))
            for ident, pose in sorted((placements or {}).items())
            if (table[:-1] == ident).any()
        ]
        self._natural = look == "natural"
        if self._natural:
            surfaces = surface_looks(scene, placements)
            self._bake = bake_light(scene)
            # Every look of every surface, and the look of every triangle (global index, as
            # the bake's); a surface's first look is numbered by the surface.
            looks = [surface.looks[0] for surface in surfaces]
            of_triangle = []
            for index, surface in enumerate(surfaces):
                if surface.part is None:
                    of_triangle.append(np.full(len(surface.mesh.faces), index, dtype=np.int32))
                    continue
                numbers = np.array([index, *range(len(looks), len(looks) + len(surface.looks) - 1)])
                looks += surface.looks[1:]
                of_triangle.append(numbers[surface.face_looks()].astype(np.int32))
            self._surfaces = len(surfaces)
            self._look_of = np.concatenate([np.zeros(0, np.int32), *of_triangle])
            self._layer = np.array([MATERIALS.index(look.material) for look in looks], np.int64)
            self._period = np.array([np.broadcast_to(look.period, 2) for look in looks])
            self._offset = np.array([look.offset for look in looks]).reshape(-1, 2)
            self._textures = display_textures()
            return
        looks = [object_material(obj) for obj in scene.objects if obj.mesh is not None]
        looks += [structure_material(part) for part in scene.structure]
        # Per Open3D geometry id, plus one last row for a miss (black, like the rasteriser's).
        self._albedo = np.array([[*look.color] for look in looks] + [[0, 0, 0]]) / 255.0
        self._pattern = np.array([ALL_PATTERNS.index(look.pattern) for look in looks] + [0])

    def _cast(self, frame: Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
        rays = pixel_rays(frame)
        hits = self._geometry.ray_scene.cast_rays(o3d.core.Tensor(rays))
        depth = hits["t_hit"].numpy().astype(np.float64)
        geometry = hits["geometry_ids"].numpy().astype(np.int64)
        missed = ~np.isfinite(depth) | (depth < ZNEAR) | (depth > ZFAR)
        geometry = np.where(missed, len(self._geometry.geometry_instance) - 1, geometry)
        depth = np.where(missed, 0.0, depth)
        return rays, depth, geometry, hits

    def _shade_natural(self, frame: Frame, rays, depth, geometry, hits) -> np.ndarray:
        """The rasteriser's natural look per pixel: baked light interpolated over its grid
        cell times the material texture (both display-encoded), to a byte."""
        directions = rays[:, 3:]
        normals = hits["primitive_normals"].numpy().astype(np.float64)
        back_side = np.einsum("ij,ij->i", normals, directions) > 0
        hit = geometry < self._surfaces
        points = frame.center + directions * depth[:, None]
        triangle = self._bake.first[geometry[hit]] + hits["primitive_ids"].numpy()[hit]
        bary = hits["primitive_uvs"].numpy()[hit].astype(np.float64)
        light = baked_light_at(self._bake, triangle, bary, back_side[hit])
        owner = geometry[hit]
        look = self._look_of[triangle]
        points, normals = self._at_rest(owner, points[hit], normals[hit])
        metres = triplanar_uv(points, normals) * TILE_M + self._offset[look]
        uv = metres / self._period[look]
        modulation = np.empty(len(uv))
        layers = self._layer[look]
        for index, texture in enumerate(self._textures):
            chosen = layers == index
            if chosen.any():
                modulation[chosen] = sample_texture(texture, uv[chosen])
        rgb = np.empty((len(depth), 3))
        rgb[hit] = light * modulation[:, None]
        rgb[~hit] = sky(directions[~hit])
        return (
            np.rint(np.clip(rgb, 0.0, 1.0) * 255)
            .astype(np.uint8)
            .reshape(frame.height, frame.width, 3)
        )

    def _at_rest(
        self, geometry: np.ndarray, points: np.ndarray, normals: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hit points and normals where the pattern is sampled: on a carried object, taken
        back onto its own geometry (``materials.rest_points``); elsewhere as they are."""
        if not self._carried:
            return points, normals
        points, normals = points.copy(), normals.copy()
        for index, pose in self._carried:
            chosen = geometry == index
            points[chosen], normals[chosen] = rest_points(points[chosen], normals[chosen], pose)
        return points, normals

    def _shade(self, frame: Frame, rays, depth, geometry, hits) -> np.ndarray:
        if self._natural:
            return self._shade_natural(frame, rays, depth, geometry, hits)
        directions = rays[:, 3:]
        normals = hits["primitive_normals"].numpy()
        facing = np.einsum("ij,ij->i", normals, directions) > 0
        normals = np.where(facing[:, None], -normals, normals)
        points = frame.center + directions * depth[:, None]
        uv = triplanar_uv(*self._at_rest(geometry, points, normals))
        modulation = np.ones(len(depth))
        patterns = self._pattern[geometry]
        for index, name in enumerate(ALL_PATTERNS):
            chosen = patterns == index
            if name != "plain" and chosen.any():
                modulation[chosen] = pattern(name, uv[chosen])
        linear = shade(self._albedo[geometry], normals) * modulation[:, None]
        index = np.rint(np.clip(linear, 0.0, 1.0) * _LUT_STEPS).astype(np.int32)
        return _DISPLAY[index].reshape(frame.height, frame.width, 3)

    def render(self, frame: Frame) -> RenderedFrame:
        """Depth, instance ids and shaded RGB of ``frame`` from one batch of rays (objects
        where they are at the frame's time)."""
        if self._scene.moves:
            return self._states(frame).render(frame)
        rays, depth, geometry, hits = self._cast(frame)
        table = np.append(self._geometry.geometry_instance[:-1], BACKGROUND_ID)
        instance = table[geometry].reshape(frame.height, frame.width)
        return RenderedFrame(
            rgb=self._shade(frame, rays, depth, geometry, hits),
            depth=depth.reshape(frame.height, frame.width),
            instance=instance,
        )

    def render_rgb(self, frame: Frame) -> np.ndarray:
        if self._scene.moves:
            return self._states(frame).render_rgb(frame)
        return self._shade(frame, *self._cast(frame))

    def close(self) -> None:
        """Nothing of its own to release: the ray-casting scene belongs to the scene's derived
        geometry (a moving scene's states are each a scene of their own)."""
        self._states.close()

    def __enter__(self) -> RaycastRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
