"""Rendering and degradation costs: frames/s of each backend and ms of each degradation.

    python bench/bench_render.py [--width 640] [--height 480] [--frames 96] [--repeats 5]
    taskset -c 0 python bench/bench_render.py      # one core

Prints medians of wall time and of this process's CPU time (all its threads; steadier than
wall time on a shared machine); asserts nothing. One procedural room
(``procedural_scene(0, 0)``) and the frames of its walkthrough, each render timed on its own
(``--frames`` renders, cycling through the walkthrough):

- raster: the full view (RGB, depth, instance ids: one pass) and the RGB alone;
- physical references on the same scene and frames, in the same run: a bare id pass (the
  same vertex buffer, one int attachment, no texture, through moderngl), pyrender's SEG-only
  pass and pyrender's plain untextured colour pass (lit, multisampled; the costs the old
  renderer was made of), and the full view's time as a multiple of each;
- raycast: the CPU backend's view and RGB;
- each look (``materials.LOOKS``): the raster and raycast views in it, and the natural look's
  light bake per room (``materials.bake_light``: ambient occlusion and the ceiling light's soft
  shadows, cast by the oracle's ray caster) on ``--rooms`` fresh rooms, with the rays cast;
- the bake of a scan-like room of about ``--scan-faces`` triangles (``scan_like``: the room's
  meshes cut into small triangles, jittered by 2 mm, 1% of the faces dropped, as a scanned
  mesh is), with the quality it steps down to, and the raster view of it;

then every degradation at severities 3 and 5 on one rendered view (motion blur includes the
sub-frames it renders, through the raster backend where EGL works, else the ray-casting one,
and reports how many).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from spatialqa.degradations import (
    DEGRADATIONS,
    RasterRenderer,
    RaycastRenderer,
    egl_available,
    get_degradation,
)
from spatialqa.degradations.materials import DEFAULT_LOOK, LOOKS, _bake
from spatialqa.degradations.render import (
    ZFAR,
    ZNEAR,
    create_context,
    scene_vertices,
    world_to_clip,
)
from spatialqa.oracle.geometry import derived
from spatialqa.scenes import Frame, Scene, procedural_scene


def timed(function, repeats: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeats`` calls, and the last call's result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


class BareIds:
    """The floor of a rasterised mask: the raster backend's vertex buffer drawn into one int32
    attachment (no colour, no texture, no camera z) and read back."""

    def __init__(self, scene: Scene) -> None:
        import moderngl

        self.ctx = create_context()
        with self.ctx:
            self.program = self.ctx.program(
                vertex_shader="""
                    #version 330
                    uniform mat4 world_to_clip;
                    in vec3 in_position;
                    in int in_code;
                    flat out int code;
                    void main() {
                        gl_Position = world_to_clip * vec4(in_position, 1.0);
                        code = in_code;
                    }""",
                fragment_shader="""
                    #version 330
                    flat in int code;
                    out int out_code;
                    void main() { out_code = code; }""",
            )
            self.buffer = self.ctx.buffer(scene_vertices(scene).tobytes())
            self.vao = self.ctx.vertex_array(
                self.program, [(self.buffer, "3f 36x i", "in_position", "in_code")]
            )
            self.ctx.enable(moderngl.DEPTH_TEST)
        self.size: tuple[int, int] | None = None

    def __call__(self, frame: Frame) -> np.ndarray:
        with self.ctx:
            if self.size != (frame.width, frame.height):
                self.size = (frame.width, frame.height)
                self.fbo = self.ctx.framebuffer(
                    [self.ctx.renderbuffer(self.size, 1, dtype="i4")],
                    self.ctx.depth_renderbuffer(self.size),
                )
                self.codes = np.empty((frame.height, frame.width), dtype=np.int32)
            self.program["world_to_clip"].write(world_to_clip(frame).T.astype("f4").tobytes())
            self.fbo.use()
            self.fbo.clear(depth=1.0)
            self.vao.render()
            self.fbo.read_into(self.codes, components=1, dtype="i4")
            return self.codes.copy()


def pyrender_passes(scene: Scene) -> dict[str, Callable[[Frame], object]]:
    """pyrender's SEG-only pass and its plain untextured colour pass (lit, multisampled) of the
    scene's meshes: the two passes the old renderer was made of, less its textures."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    import pyrender

    meshes = [obj.mesh for obj in scene.objects if obj.mesh is not None]
    meshes += [part.mesh for part in scene.structure]
    pr_scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 1.0), ambient_light=[0.55] * 3)
    seg_map = {}
    for index, mesh in enumerate(meshes):
        material = pyrender.MetallicRoughnessMaterial(baseColorFactor=(0.7, 0.6, 0.5, 1.0))
        node = pr_scene.add(pyrender.Mesh.from_trimesh(mesh, material=material, smooth=False))
        code = index + 1
        seg_map[node] = (code & 0xFF, (code >> 8) & 0xFF, 0)
    light = np.eye(4)
    light[:3, :3] = [[1, 0, 0], [0, 0, 1], [0, -1, 0]]  # shining down
    pr_scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=2.5), pose=light)
    camera = pyrender.IntrinsicsCamera(1.0, 1.0, 0.0, 0.0, znear=ZNEAR, zfar=ZFAR)
    camera_node = pr_scene.add(camera, pose=np.eye(4))
    # Kept for the whole run: pyrender's delete terminates the EGL display all contexts share.
    offscreen: dict[tuple[int, int], object] = {}

    def setup(frame: Frame):
        camera.fx, camera.fy = frame.K[0, 0], frame.K[1, 1]
        camera.cx, camera.cy = frame.K[0, 2] + 0.5, frame.K[1, 2] + 0.5
        pr_scene.set_pose(camera_node, frame.pose @ np.diag([1.0, -1.0, -1.0, 1.0]))
        size = (frame.width, frame.height)
        if size not in offscreen:
            offscreen[size] = pyrender.OffscreenRenderer(*size)
        return offscreen[size]

    def seg(frame: Frame):
        return setup(frame).render(pr_scene, flags=pyrender.RenderFlags.SEG, seg_node_map=seg_map)

    def colour(frame: Frame):
        return setup(frame).render(pr_scene, flags=pyrender.RenderFlags.NONE)

    return {"pyrender SEG-only pass": seg, "pyrender plain colour pass": colour}


def scan_like(faces: int) -> Scene:
    """``procedural_scene(0, 0)`` as a scan would give it: every mesh subdivided until the
    room holds about ``faces`` triangles, vertices jittered by 2 mm (so neighbours' normals
    differ), 1% of the faces dropped (holes: no mesh is closed), source kind ``scannet``."""
    import trimesh
    from trimesh import remesh

    from spatialqa.scenes.scene import SceneObject, Source, Structure

    base = procedural_scene(0, 0)
    area = sum(o.mesh.area for o in base.objects) + sum(p.mesh.area for p in base.structure)
    edge = np.sqrt(area / faces / 0.135)  # subdivision leaves triangles of about 0.135 edge^2
    rng = np.random.default_rng(0)

    def scanned(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
        vertices, cells = remesh.subdivide_to_size(mesh.vertices, mesh.faces, max_edge=edge)
        vertices = (vertices + rng.normal(0.0, 0.002, vertices.shape)).astype(np.float32)
        kept = cells[rng.random(len(cells)) > 0.01]
        return trimesh.Trimesh(vertices.astype(np.float64), kept, process=False)

    return Scene(
        "scan_like",
        Source("scannet", "bench: procedural_scene(0, 0) cut into small triangles"),
        tuple(SceneObject(o.id, o.category, mesh=scanned(o.mesh)) for o in base.objects),
        tuple(Structure(p.category, scanned(p.mesh)) for p in base.structure),
        base.room,
        base.trajectories,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--frames", type=int, default=96, help="renders timed per pass")
    parser.add_argument("--repeats", type=int, default=5, help="calls timed per degradation")
    parser.add_argument("--rooms", type=int, default=6, help="rooms whose light bake is timed")
    parser.add_argument("--scan-faces", type=int, default=300_000, help="scan-like room size")
    parser.add_argument("--json", action="store_true", help="end with the passes' fps as JSON")
    args = parser.parse_args()
    rates: dict[str, float] = {}
    scene = procedural_scene(0, 0)
    frames = [f.resized(args.width, args.height) for f in scene.trajectory("walkthrough").frames]
    cores = len(os.sched_getaffinity(0))
    print(
        f"{args.width}x{args.height}, procedural_scene(0, 0), {cores} core(s), medians of "
        f"{args.frames} renders and {args.repeats} degradations"
    )

    def fps(label: str, call: Callable[[Frame], object]) -> float:
        call(frames[0])  # first use: context, buffers, BVH
        picks = iter(frames * (args.frames // len(frames) + 1))
        wall, cpu, _ = timed(lambda: call(next(picks)), args.frames)
        print(
            f"{label:<30} {1 / wall:7.1f} frames/s wall ({1000 * wall:6.2f} ms), "
            f"{1000 * cpu:6.2f} ms CPU"
        )
        return wall

    raycast = RaycastRenderer(scene)
    renderer: RasterRenderer | RaycastRenderer = raycast
    if egl_available():
        renderer = RasterRenderer(scene)
        full = fps("raster view (rgb+depth+ids)", renderer.render)
        rates["full_fps"] = 1 / full
        fps("raster rgb only", renderer.render_rgb)
        references = {"bare id pass (moderngl)": BareIds(scene), **pyrender_passes(scene)}
        keys = ("bare_id_fps", "seg_fps", "plain_fps")
        for (label, call), key in zip(references.items(), keys, strict=True):
            reference = fps(label, call)
            rates[key] = 1 / reference
            print(f"{'':<30} raster view takes {full / reference:4.2f}x this pass")
    else:
        print("raster: EGL not available here, skipped")
    fps("raycast view", raycast.render)
    fps("raycast rgb only", raycast.render_rgb)
    print(f"looks (default {DEFAULT_LOOK}):")
    for look in LOOKS:
        if egl_available():
            with RasterRenderer(scene, look) as other:
                rates[f"{look}_fps"] = 1 / fps(f"  raster view, {look}", other.render)
        fps(f"  raycast view, {look}", RaycastRenderer(scene, look).render)
    bakes, rays = [], []
    for index in range(args.rooms):
        room = procedural_scene(0, index)
        ray_scene = derived(room).ray_scene
        wall, cpu, bake = timed(lambda room=room, ray_scene=ray_scene: _bake(room, ray_scene), 1)
        bakes.append((wall, cpu))
        rays.append(bake.rays)
    wall = statistics.median(b[0] for b in bakes)
    cpu = statistics.median(b[1] for b in bakes)
    rates["bake_ms"] = 1000 * wall
    print(
        f"light bake per room (natural)  {1000 * wall:7.1f} ms wall, {1000 * cpu:6.1f} ms CPU; "
        f"median of {args.rooms} rooms, {statistics.median(rays) / 1e3:.0f}k rays a room"
    )

    scan = scan_like(args.scan_faces)
    triangles = sum(len(o.mesh.faces) for o in scan.objects)
    triangles += sum(len(p.mesh.faces) for p in scan.structure)
    ray_scene = derived(scan).ray_scene
    for mesh in [o.mesh for o in scan.objects] + [p.mesh for p in scan.structure]:
        _ = mesh.is_watertight  # trimesh's cached edges: the loader's work, not the bake's
    wall, cpu, bake = timed(lambda: _bake(scan, ray_scene), 3)
    rates["scan_bake_ms"] = 1000 * wall
    print(
        f"light bake, scan-like room      {1000 * wall:7.1f} ms wall, {1000 * cpu:6.1f} ms CPU; "
        f"{triangles / 1e3:.0f}k triangles, {bake.rays / 1e3:.0f}k rays, quality "
        f"({bake.ao_rays} AO rays, {bake.light_samples} light samples), "
        f"{'vertex' if bake.smooth else 'grid'}-lit"
    )
    if egl_available():
        scan_frames = [
            f.resized(args.width, args.height) for f in scan.trajectory("walkthrough").frames
        ]
        with RasterRenderer(scan) as scanned:
            scanned.render(scan_frames[0])
            picks = iter(scan_frames * (args.frames // len(scan_frames) + 1))
            wall, cpu, _ = timed(lambda: scanned.render(next(picks)), args.frames)
        rates["scan_fps"] = 1 / wall
        print(
            f"{'  raster view, scan-like room':<30} {1 / wall:7.1f} frames/s wall "
            f"({1000 * wall:6.2f} ms), {1000 * cpu:6.2f} ms CPU"
        )

    frame = frames[3]
    view = renderer.render(frame)
    backend = "raster" if renderer is not raycast else "raycast"
    print(f"degradations of one {backend} view; sub-frames rendered by the {backend} backend")
    print(f"{'degradation':<16} {'severity 3 wall / CPU':>22} {'severity 5 wall / CPU':>22}")
    for name in sorted(DEGRADATIONS):
        degradation = get_degradation(name)
        cells, extra = [], ""
        for severity in (3, 5):

            def run(severity=severity, degradation=degradation):
                return degradation(
                    view.rgb,
                    view.depth,
                    frame,
                    severity,
                    rng=np.random.default_rng(0),
                    render=renderer.render,
                )

            wall, cpu, result = timed(run, 1 if degradation.renders else args.repeats)
            cells.append(f"{1000 * wall:8.1f} / {1000 * cpu:8.1f} ms")
            if degradation.renders:
                extra += f"  s{severity}: {result.params['substeps']} sub-frames"
        print(f"{name:<16} {cells[0]:>22} {cells[1]:>22}{extra}")
    renderer.close()
    if args.json:
        print(json.dumps(rates))


if __name__ == "__main__":
    main()
