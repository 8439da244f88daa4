"""The cameras of a procedural room, framed as a photographer would: eye height 1.2-1.7 m
(``low``: a robot's, 0.3-0.8 m; ``tour``: a camera held at chest height, 1.2-1.5 m), pitch
within -35..+5 degrees, aimed at groups of furniture rather than at blank walls.

A "walkthrough" loop, an "orbit" around the room's main piece, "lookat" views of single pieces, a
"low" loop at robot height and a "tour" of the loop looking roughly where it walks, each with its
timestamps; a hand-held camera height drifts a little.

Aiming, in two steps. ``aim_scores``: every placed piece is a box (its mesh's bounds) the
camera can see from the eye; a heading scores the pieces whose box overlaps the view, plus how
much of the view the framed ones fill, and the pitch looks at the framed pieces' middle height
(clamped to ``PITCH_RANGE_DEG``). That shortlists headings cheaply. ``Glance`` then casts a
coarse grid of rays (``GLANCE_SIZE``) through each shortlisted view at two pitches (the group in
the middle of the frame, or lifted into its lower part so that some floor and wall frame it): it
sees occlusion, the walls and floor the view shows and a piece that fills it from close up, and
calls a view *good* when it keeps a margin from the framing rule the pipeline holds delivered
views to (``spatialqa.oracle.framing``: structure at most 60% of the pixels, at least 2 objects
above tau): at least ``GLANCE_MIN_OBJECTS`` pieces, structure at most
``GLANCE_MAX_STRUCTURE`` (the loops: less, ``WALK_MAX_STRUCTURE`` and its kin), no piece
over ``GLANCE_MAX_PIECE`` of the view. Along a loop, the headings come from a Viterbi path over
``YAW_BINS`` bins that trades the glanced scores against turning (``TURN_COST`` a bin, at most
``MAX_TURN_DEG`` a frame), so the video pans smoothly from group to group; a frame the path
leaves without a good view turns to its nearest good one (the walkthrough and the low loop:
else to its nearest *fair* one, within ``GLANCE_MAX_STRUCTURE``), and one whose heading was
never glanced at takes the glanced view worth most. The orbit and the still views keep
only good views.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import open3d as o3d
import shapely
import trimesh
from shapely.geometry import LinearRing, LineString, Polygon
from shapely.ops import nearest_points

from spatialqa.errors import PlacementError
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.layout import TALL, Layout, Placed
from spatialqa.scenes.scene import Frame, Trajectory

FRAME_SPACING_S = 0.5
"""Seconds between consecutive frames of every trajectory (its own timestamps)."""
IMAGE_WIDTH, IMAGE_HEIGHT = 640, 480
LOOP_INSET = 1.0  # camera loop distance from the walls, at most
HANDHELD_DRIFT_M = 0.08
EYE_HEIGHT_M = (1.2, 1.7)
"""A standing photographer's eye (and camera) height."""
LOW_EYE_HEIGHT_M = (0.3, 0.8)
"""A robot's camera height (trajectory ``low``)."""
TOUR_EYE_HEIGHT_M = (1.2, 1.5)
"""The tour's camera height: the low half of a standing eye's range (``EYE_HEIGHT_M``), a phone
held at chest height by someone filming as they walk. Lower, it sees less of the wall above the
furniture a view looking along the walk shows: on the delivered tour views of 24 rooms (seeds
0 and 1), the same views from 0.15 m lower had a median structure share of 0.435 instead of
0.477 (0.3 m lower: 0.394). Not below 1.2 m: the framing rule's eye height, and from 1.1-1.4 m
the tour missed what hangs high (pictures, a shelf's top), seeing under 80% of an office."""
PITCH_RANGE_DEG = (-35.0, 5.0)
"""Every camera's pitch (optical axis above the horizontal), degrees."""
FOV_DEG = (58.0, 72.0)
"""Horizontal field of view of the loops (walkthrough, tour, low): narrower than a phone's
ultra-wide, so furniture fills the frame; wide enough for a group of pieces."""
YAW_BINS = 72
TURN_COST = 0.15
"""Score given up per 5-degree bin turned between consecutive frames."""
MAX_TURN_DEG = 40.0
TOUR_CONE_DEG = 30.0
"""The tour looks at most this far off where it walks."""
FILL_WEIGHT = 8.0
"""Score of a view the framed pieces fill completely, against 1 a piece."""
NEAR_M = 0.7
"""Pieces nearer than this are not aimed at (they would fill the frame, cut by its border)."""
LOW_CLEARANCE_M = 0.25
"""A robot keeps this far from every piece on the floor (rugs aside: it drives over them)."""
FLAT_M = 0.05
"""Pieces on the floor no higher than this (rugs) are driven over and never looked at alone."""
GLANCE_SIZE = (24, 18)
"""Rays across a glanced view: one for each 26.7 x 26.7 pixel block of a 640 x 480 frame."""
GLANCE_MIN_RAYS = 2
"""Rays a piece needs to count as seen: two blocks, 0.46% of the frame (tau is 0.1%). Measured
against the oracle at 640 x 480 on 122 frames: never more pieces than it finds visible above
tau; the structure share within 2 points of the exact one (standard deviation 0.5 points)."""
GLANCE_MIN_OBJECTS = 2
GLANCE_MAX_STRUCTURE = 0.55
GLANCE_MAX_PIECE = 0.45
"""A good view: at least this many pieces seen, walls, floor and ceiling on at most this share
of its rays (the rule allows 0.6), and no single piece on more (a close-up of one table top)."""
WALK_MAX_STRUCTURE = 0.45
LOW_MAX_STRUCTURE = 0.53
TOUR_MAX_STRUCTURE = 0.44
LOOKAT_MAX_STRUCTURE = 0.52
"""The loops' good views hold structure to this: the walkthrough pans freely and finds views
that are mostly furniture; the low loop sees fewer pieces over the nearest ones (stricter, it
would show fewer pieces). The tour looks where it walks, from chest height
(``TOUR_EYE_HEIGHT_M``): 0.5 left its delivered views' median structure share at 47-49%
(seeds 0, 1), 0.44 brings it to 43-44%; a frame with no such view within its cone looks up to
twice the cone off, as before (``SPOIL_COST`` keeps what that shows for later). The still
views (``lookat``) prefer views within ``LOOKAT_MAX_STRUCTURE`` but take a good one within
``GLANCE_MAX_STRUCTURE`` when a piece has no such view; the orbit keeps
``GLANCE_MAX_STRUCTURE`` (stricter, both lose rooms)."""
OBJECT_WEIGHT = 1.0
SHARE_WEIGHT = 16.0
"""A glanced view's score: this much a piece seen, plus this much times the share of the view
the pieces fill (the rest is bare structure, or a window)."""
GOOD_BONUS = 12.0
"""Score of a good view over one that is not: more than any count of pieces it could add."""
TIGHT_MAX_STRUCTURE = 0.42
TIGHT_BONUS = 6.0
"""Score a good view gains when structure is on at most ``TIGHT_MAX_STRUCTURE`` of its rays:
a view that is mostly furniture, not the wall above it, is worth more than a piece or two
(the delivered views' median structure share stays under 45%)."""
FAIR_BONUS = 6.0
OVER_COST = 100.0
"""The loops that pan freely (walkthrough, low): a fair view (``Looks.fair``) scores this much
more than one that is not, and a view gives up this much per unit of structure share over the
loop's own limit (``WALK_MAX_STRUCTURE``, ``LOW_MAX_STRUCTURE``; a point a percent), so that a
frame with no good view takes the one with least structure: one the pipeline delivers rather
than rejects (a rejected frame costs it a visibility computation and leaves a gap in the
video)."""
SHORTLIST = 5
"""Headings per frame glanced at, the best by ``aim_scores``."""
STEEP_DEG = 22.0
STEEP_COST = 0.15
"""Score given up per degree a view pitches down beyond ``STEEP_DEG``: a photographer frames
a group with some of the wall behind it, not the floor in front of it."""
SPOIL_AHEAD = 0.3
SPOIL_COST = 1.5
"""The tour: score given up per piece a view shows that the walk only reaches more than
``SPOIL_AHEAD`` of the loop later, so that furniture comes into view as the camera goes
(1.5 rather than 0.6 since ``TOUR_MAX_STRUCTURE`` 0.44: more frames search twice the cone for
a good view, and would find one across the room that shows what the walk reaches last). Not
more: from 2.0 a bedroom's tour kept away from a third of its pieces for good."""


LOOKAT_TURNS_DEG = (0.0, 25.0, -25.0, 50.0, -50.0, 75.0, -75.0)
LOOKAT_DISTANCES_M = ((2.2, 3.0), (1.6, 2.2), (1.1, 1.6))
"""Where ``lookat`` tries to stand: this far round from a piece's front, at a distance drawn
from each band (the nearest ones fit a bathroom)."""
ORBIT_CENTRES = 4
"""The orbit circles the room's main piece, else the next largest pieces on the floor (up to
this many in all), else the room's middle: a small bathroom's toilet by a wall leaves too
short an arc."""


def camera_loop(room: Polygon, name: str) -> LinearRing:
    """The walkthrough path: the footprint inset up to ``LOOP_INSET``, corners rounded."""
    for inset in (LOOP_INSET, 0.8, 0.6, 0.45, 0.35, 0.25):
        shape = room.buffer(-(inset + 0.2), join_style="mitre").buffer(0.2)
        if isinstance(shape, Polygon) and not shape.is_empty and shape.length > 1.0:
            return LinearRing(shape.exterior.coords)
    raise PlacementError(f"procedural scene {name}: room too small for a camera path")


@dataclass(frozen=True)
class Sights:
    """The placed pieces as the cameras aim at them: their mesh bounds."""

    center: np.ndarray  # (n, 3) box centres
    radius: np.ndarray  # (n,) half the box's horizontal diagonal
    low: np.ndarray  # (n,) bottom z
    high: np.ndarray  # (n,) top z


def sights(layout: Layout) -> Sights:
    """Every placed piece's box, for :func:`aim_scores`."""
    bounds = np.array([p.mesh.bounds for p in layout.placed], dtype=np.float64)  # (n, 2, 3)
    radius = np.linalg.norm(bounds[:, 1, :2] - bounds[:, 0, :2], axis=1) / 2
    return Sights(bounds.mean(axis=1), radius, bounds[:, 0, 2], bounds[:, 1, 2])


def _hfov(K: np.ndarray) -> float:
    return 2.0 * math.atan(IMAGE_WIDTH / 2.0 / K[0, 0])


def _vfov(K: np.ndarray) -> float:
    return 2.0 * math.atan(IMAGE_HEIGHT / 2.0 / K[1, 1])


def clamp_pitch(pitch: np.ndarray | float) -> np.ndarray:
    """``pitch`` (radians) held to ``PITCH_RANGE_DEG``."""
    return np.clip(pitch, *np.radians(PITCH_RANGE_DEG))


def aim_scores(
    seen: Sights, eye: np.ndarray, K: np.ndarray, yaws: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(score, pitch) of a camera at ``eye`` facing each of ``yaws`` (radians, (m,)).

    A piece is framed when its centre is well inside the horizontal field of view and at least
    ``NEAR_M`` away; the pitch looks at the framed pieces' middle height (weighted by their
    apparent size), clamped. The score counts the pieces whose box overlaps the view at that
    pitch, plus ``FILL_WEIGHT`` times the share of the view the framed ones fill (about).
    """
    hfov, vfov = _hfov(K), _vfov(K)
    offset = seen.center - eye
    distance = np.maximum(np.hypot(offset[:, 0], offset[:, 1]), 1e-6)
    bearing = np.arctan2(offset[:, 1], offset[:, 0])
    half_width = np.arctan2(seen.radius, distance)
    top = np.arctan2(seen.high - eye[2], distance)
    bottom = np.arctan2(seen.low - eye[2], distance)
    size = 2.0 * half_width * (top - bottom)  # apparent solid angle, about
    turn = (bearing[None, :] - yaws[:, None] + np.pi) % (2 * np.pi) - np.pi  # (m, n)
    framed = (np.abs(turn) <= hfov / 2 - 0.3 * half_width) & (distance >= NEAR_M)
    weight = framed * np.minimum(size, 0.5)
    total = weight.sum(axis=1)
    middle = (weight * ((top + bottom) / 2)).sum(axis=1) / np.maximum(total, 1e-12)
    pitch = clamp_pitch(np.where(total > 0, middle, math.radians(PITCH_RANGE_DEG[0]) / 2))
    across = np.abs(turn) <= hfov / 2 + half_width
    upright = (top >= pitch[:, None] - vfov / 2) & (bottom <= pitch[:, None] + vfov / 2)
    fill = np.minimum((framed & upright) @ size / (hfov * vfov), 1.0)
    return (across & upright).sum(axis=1) + FILL_WEIGHT * fill, pitch


def smooth_headings(scores: np.ndarray, turn_cost: float, max_turn: int) -> np.ndarray:
    """The yaw bin of each frame ((f,) int) maximising the summed ``scores`` ((f, m)) less
    ``turn_cost`` a bin turned between consecutive frames, at most ``max_turn`` bins (Viterbi;
    ties go to the lowest bin)."""
    frames, bins = scores.shape
    steps = np.arange(bins)
    apart = np.abs((steps[:, None] - steps[None, :] + bins // 2) % bins - bins // 2)
    penalty = np.where(apart <= max_turn, -turn_cost * apart, -np.inf)  # [to, from]
    total = scores[0].astype(np.float64)
    back = np.zeros((frames, bins), dtype=np.int64)
    for i in range(1, frames):
        options = total[None, :] + penalty
        back[i] = np.argmax(options, axis=1)
        total = options[steps, back[i]] + scores[i]
    path = np.zeros(frames, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for i in range(frames - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


@dataclass(frozen=True)
class Looks:
    """What glanced views show: ``seen`` (k, n) the pieces with at least ``GLANCE_MIN_RAYS``
    rays, ``objects`` (k,) how many, ``object_share``, ``structure`` and ``biggest`` (k,) the
    shares of the rays on any piece, on the structure and on the piece with most;
    ``max_structure`` the most structure a good view may show."""

    seen: np.ndarray
    objects: np.ndarray
    object_share: np.ndarray
    structure: np.ndarray
    biggest: np.ndarray
    max_structure: float = GLANCE_MAX_STRUCTURE

    @property
    def tight(self) -> np.ndarray:
        """(k,) bool: good, and structure on at most ``TIGHT_MAX_STRUCTURE`` of the rays."""
        return self.good & (self.structure <= TIGHT_MAX_STRUCTURE)

    @property
    def fair(self) -> np.ndarray:
        """(k,) bool: good by ``GLANCE_MAX_STRUCTURE`` (a margin from the framing rule), the
        fallback of a loop frame with no good view: it is delivered, not rejected."""
        return (
            (self.objects >= GLANCE_MIN_OBJECTS)
            & (self.structure <= GLANCE_MAX_STRUCTURE)
            & (self.biggest <= GLANCE_MAX_PIECE)
        )

    @property
    def good(self) -> np.ndarray:
        """(k,) bool: a margin from the framing rule, and no close-up of one piece."""
        return (
            (self.objects >= GLANCE_MIN_OBJECTS)
            & (self.structure <= self.max_structure)
            & (self.biggest <= GLANCE_MAX_PIECE)
        )


class Glance:
    """A coarse ray caster over the room's pieces (geometry id = piece index) and its structure
    (the ids after them), for judging candidate views before choosing them."""

    def __init__(self, layout: Layout, structure: list[trimesh.Trimesh]) -> None:
        self.pieces = len(layout.placed)
        self.scene = o3d.t.geometry.RaycastingScene()
        for mesh in [p.mesh for p in layout.placed] + list(structure):
            self.scene.add_triangles(
                o3d.core.Tensor(np.asarray(mesh.vertices, dtype=np.float32)),
                o3d.core.Tensor(np.asarray(mesh.faces, dtype=np.uint32)),
            )

    def look(
        self,
        eyes: np.ndarray,
        yaws: np.ndarray,
        pitches: np.ndarray,
        K: np.ndarray,
        max_structure: float = GLANCE_MAX_STRUCTURE,
    ) -> Looks:
        """Cast ``GLANCE_SIZE`` rays through each of k views (eyes (k, 3), yaws and pitches
        (k,), radians) with the intrinsics ``K`` of a ``IMAGE_WIDTH`` x ``IMAGE_HEIGHT`` frame."""
        eyes = np.asarray(eyes, dtype=np.float64).reshape(-1, 3)
        yaws, pitches = np.broadcast_arrays(np.asarray(yaws, float), np.asarray(pitches, float))
        k, n = len(eyes), self.pieces
        if k == 0:
            empty = np.zeros(0)
            return Looks(
                np.zeros((0, n), bool), empty.astype(int), empty, empty, empty, max_structure
            )
        gw, gh = GLANCE_SIZE
        u = ((np.arange(gw) + 0.5) * IMAGE_WIDTH / gw - K[0, 2]) / K[0, 0]
        v = ((np.arange(gh) + 0.5) * IMAGE_HEIGHT / gh - K[1, 2]) / K[1, 1]
        a, b = (grid.ravel() for grid in np.meshgrid(u, v))  # right, down (tangents)
        cp, sp, cy, sy = np.cos(pitches), np.sin(pitches), np.cos(yaws), np.sin(yaws)
        forward = np.column_stack([cp * cy, cp * sy, sp])
        right = np.column_stack([sy, -cy, np.zeros(k)])
        down = np.cross(forward, right)
        rays = np.empty((k, gw * gh, 6), dtype=np.float32)  # written in place: no copies
        rays[..., :3] = eyes[:, None, :]
        rays[..., 3:] = (
            forward[:, None, :] + a[None, :, None] * right[:, None, :]
            + b[None, :, None] * down[:, None, :]
        )  # fmt: skip
        hit = self.scene.cast_rays(o3d.core.Tensor.from_numpy(rays.reshape(-1, 6)))
        ids = hit["geometry_ids"].numpy()
        # bucket per view: 0..n-1 a piece, n the structure, n + 1 nothing (a window)
        bucket = np.minimum(ids, n).astype(np.int64)
        bucket[ids == o3d.t.geometry.RaycastingScene.INVALID_ID] = n + 1
        bucket += np.repeat(np.arange(k) * (n + 2), gw * gh)
        counts = np.bincount(bucket, minlength=k * (n + 2))
        counts = counts.reshape(k, n + 2) / (gw * gh)
        seen = counts[:, :n] * (gw * gh) >= GLANCE_MIN_RAYS - 1e-9
        return Looks(
            seen,
            seen.sum(axis=1),
            counts[:, :n].sum(axis=1),
            counts[:, n],
            counts[:, :n].max(axis=1, initial=0.0),
            max_structure,
        )

    def scores(self, looks: Looks, pitches: np.ndarray) -> np.ndarray:
        """A glanced view's worth: pieces seen, the share of the view they fill, ``GOOD_BONUS``
        for a good view (and ``TIGHT_BONUS`` more for little structure), less ``STEEP_COST`` a
        degree pitched below ``STEEP_DEG``."""
        steep = np.maximum(-np.degrees(pitches) - STEEP_DEG, 0.0)
        return (
            OBJECT_WEIGHT * looks.objects + SHARE_WEIGHT * looks.object_share
            + GOOD_BONUS * looks.good + TIGHT_BONUS * looks.tight - STEEP_COST * steep
        )  # fmt: skip


def pitch_options(pitch: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(..., 2): ``pitch`` (the framed group in the middle of the view) and the same lifted by a
    sixth of the vertical field of view (the group in the lower part, wall above it), clamped."""
    return clamp_pitch(np.stack([pitch, pitch + _vfov(K) / 6], axis=-1))


def aimed_frame(frame_id: str, t: float, eye, yaw: float, pitch: float, K) -> Frame:
    """A frame at ``eye`` facing ``yaw`` (counter-clockwise from +x), ``pitch`` above level."""
    c = math.cos(pitch)
    direction = np.array([c * math.cos(yaw), c * math.sin(yaw), math.sin(pitch)])
    target = np.asarray(eye, dtype=np.float64) + direction
    return Frame(frame_id, t, look_at(eye, target), K, IMAGE_WIDTH, IMAGE_HEIGHT)


def _along(rng: np.random.Generator, loop: LinearRing, count: int):
    """``count`` points evenly around the loop from a random start and way round, and the
    heading of the walk at each ((count, 2), (count,))."""
    start, direction = rng.uniform(0, loop.length), (-1.0, 1.0)[int(rng.integers(2))]
    distances = (start + direction * loop.length * np.arange(count) / count) % loop.length
    points = shapely.get_coordinates(shapely.line_interpolate_point(loop, distances))
    ahead = shapely.get_coordinates(
        shapely.line_interpolate_point(loop, (distances + direction * 0.25) % loop.length)
    )
    return points, np.arctan2(ahead[:, 1] - points[:, 1], ahead[:, 0] - points[:, 0])


def _walk(
    rng: np.random.Generator,
    layout: Layout,
    glance: Glance,
    points: np.ndarray,
    headings: np.ndarray,
    name: str,
    prefix: str,
    heights: tuple[float, float],
    drift: float,
    cone_deg: float | None,
    max_structure: float,
) -> Trajectory | None:
    """Frames at ``points`` aimed along a smooth path of glanced headings (``cone_deg``: at
    most that far off the walk's ``headings``, and sparing what the walk reaches later); the
    height drifts by ``drift`` about a drawn eye height."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(*FOV_DEG))
    top = min(heights[1], layout.height - 0.3)
    eye_z = rng.uniform(heights[0] + drift, top - drift)
    phase = rng.uniform(0, 2 * np.pi)
    count = len(points)
    if not count:
        return None
    seen = sights(layout)
    yaws = 2 * np.pi * np.arange(YAW_BINS) / YAW_BINS
    eyes, scores, pitches, wide = [], [], [], []
    for i, (x, y) in enumerate(points):
        eye = np.array([x, y, eye_z + drift * math.sin(2 * np.pi * i / count + phase)])
        score, pitch = aim_scores(seen, eye, K, yaws)
        if cone_deg is not None:
            off = np.abs((yaws - headings[i] + np.pi) % (2 * np.pi) - np.pi)
            score = np.where(off <= math.radians(cone_deg), score, -1e6)
            wide.append(off <= math.radians(2 * cone_deg))
        eyes.append(eye)
        scores.append(score)
        pitches.append(pitch)
    eyes, scores, pitches = np.array(eyes), np.array(scores), np.array(pitches)
    if cone_deg is not None:  # the tour: spare what the walk reaches later
        reach = _reach(seen.center[:, :2], points)
        ahead = reach[None, :] > (np.arange(count) / count + SPOIL_AHEAD)[:, None]  # (f, n)

    def glanced(which: np.ndarray, headings: np.ndarray, widen: bool = False):
        """Pitch options, worth, goodness and fairness ((m, c, 2) each) of frames ``which``
        ((m,)) facing bins ``headings`` ((m, c)); a heading outside the tour's cone (``widen``:
        twice the cone) is worth nothing."""
        options = pitch_options(pitches[which[:, None], headings], K)
        shape = options.shape
        looks = glance.look(
            np.broadcast_to(eyes[which][:, None, None, :], (*shape, 3)).reshape(-1, 3),
            np.broadcast_to(yaws[headings][..., None], shape).ravel(),
            options.ravel(),
            K,
            max_structure,
        )
        worth = glance.scores(looks, options.ravel())
        if cone_deg is None:  # a loop that pans freely: a view it delivers, not one it rejects
            over = np.maximum(looks.structure - max_structure, 0.0)
            worth = worth + FAIR_BONUS * looks.fair - OVER_COST * over
        else:
            spoilers = looks.seen.reshape(*shape, -1) & ahead[which][:, None, None, :]
            worth = worth - SPOIL_COST * spoilers.sum(axis=3).ravel()
        inside = scores[which[:, None], headings] > -1e5
        if widen and cone_deg is not None:
            inside = np.array(wide)[which[:, None], headings]
        inside = inside[..., None]
        worth = np.where(inside, worth.reshape(shape), -np.inf)
        return (
            options, worth, looks.good.reshape(shape) & inside, looks.fair.reshape(shape) & inside
        )  # fmt: skip

    # Glance at each frame's SHORTLIST best headings, at both pitch options; a frame with no
    # good view among them glances at every other heading (the tour: every one within twice its
    # cone) and keeps the SHORTLIST best.
    bins = np.argsort(-scores, axis=1, kind="stable")[:, :SHORTLIST]  # (f, s)
    rows = np.arange(count)[:, None]
    options, worth, good, fair = glanced(np.arange(count), bins)
    retry = np.flatnonzero(~good.any(axis=(1, 2)))
    if len(retry):
        # every other bin (10 degrees apart: a heading between two is seen by both, nearly);
        # the tour: every bin within twice its cone
        every = np.broadcast_to(np.arange(0, YAW_BINS, 2), (len(retry), YAW_BINS // 2))
        if cone_deg is not None and cone_deg < 90.0:  # only the bins within twice the cone
            reach = int(2 * cone_deg / (360.0 / YAW_BINS))
            middle = np.round(headings[retry] / (2 * np.pi / YAW_BINS)).astype(int)
            every = np.sort((middle[:, None] + np.arange(-reach, reach + 1)) % YAW_BINS, axis=1)
        more = glanced(retry, every, widen=True)
        rank = np.nan_to_num(more[1], neginf=-1e9) + np.where(more[2], GOOD_BONUS * 10, 0.0)
        if cone_deg is None:
            rank += np.where(more[3], GOOD_BONUS * 5, 0.0)
        keep = np.argsort(-rank.max(axis=2), axis=1, kind="stable")[:, :SHORTLIST, None]
        bins[retry] = np.take_along_axis(every, keep[..., 0], axis=1)
        for mine, part in zip((options, worth, good, fair), more, strict=True):
            mine[retry] = np.take_along_axis(part, keep, axis=1)
    pick = np.argmax(worth, axis=2)  # the better pitch of each heading (the first on a tie)
    best = np.take_along_axis(worth, pick[..., None], axis=2)[..., 0]  # (f, s)
    dense = np.where(scores > -1e5, scores, -1e6) - 3 * GOOD_BONUS  # unglanced: last resort
    dense[rows, bins] = np.maximum(best, -1e6)
    max_turn = int(MAX_TURN_DEG / (360.0 / YAW_BINS))
    path = smooth_headings(dense, TURN_COST, max_turn)
    frames = []
    for i, b in enumerate(path):
        here = np.flatnonzero(bins[i] == b)
        slot = int(here[0]) if len(here) else None
        apart = np.abs((bins[i] - b + YAW_BINS // 2) % YAW_BINS - YAW_BINS // 2)
        for ok in (good, fair)[: 2 if cone_deg is None else 1]:
            ok = ok[i, np.arange(SHORTLIST), pick[i]]
            if (slot is None or not ok[slot]) and ok.any():  # the nearest good (else fair) one
                slot = int(np.argmin(np.where(ok, apart, YAW_BINS)))
            if slot is not None and ok[slot]:
                break
        if slot is None:  # the path passes an unglanced heading: the glanced one worth most
            slot = int(np.argmax(best[i]))
        yaw, pitch = yaws[bins[i, slot]], float(options[i, slot, pick[i, slot]])
        t = i * FRAME_SPACING_S
        frames.append(aimed_frame(f"{prefix}{i:04d}", t, eyes[i], yaw, pitch, K))
    return Trajectory(name, tuple(frames))


def _reach(centers: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n,) when the walk through ``points`` (in order) passes nearest each piece's centre, as
    a fraction of the walk."""
    apart = np.linalg.norm(centers[:, None, :] - points[None, :, :], axis=2)
    return np.argmin(apart, axis=1) / len(points)


def walkthrough(
    rng: np.random.Generator, layout: Layout, glance: Glance, loop: LinearRing, count: int
) -> Trajectory:
    """Around the loop, panning smoothly from one group of furniture to the next.

    The camera is held by hand: its height drifts by up to HANDHELD_DRIFT_M about the eye
    height over the loop, so camera-elevation questions have something to ask about.
    """
    points, headings = _along(rng, loop, count)
    made = _walk(rng, layout, glance, points, headings, "walkthrough", "f", EYE_HEIGHT_M,
                 HANDHELD_DRIFT_M, None, WALK_MAX_STRUCTURE)  # fmt: skip
    assert made is not None  # the loop has count >= 1 points
    return made


def tour(
    rng: np.random.Generator, layout: Layout, glance: Glance, loop: LinearRing, count: int
) -> Trajectory:
    """Around the loop looking roughly where it walks (at most ``TOUR_CONE_DEG`` off; a frame
    with no good view there, up to twice that), at the furniture ahead, the camera held at
    chest height (``TOUR_EYE_HEIGHT_M``): a room tour, where furniture comes into view as the
    camera passes (``obj_appearance_order`` needs that; the walkthrough pans freely over the
    room)."""
    points, headings = _along(rng, loop, count)
    made = _walk(rng, layout, glance, points, headings, "tour", "t", TOUR_EYE_HEIGHT_M,
                 HANDHELD_DRIFT_M, TOUR_CONE_DEG, TOUR_MAX_STRUCTURE)  # fmt: skip
    assert made is not None
    return made


def low(
    rng: np.random.Generator, layout: Layout, glance: Glance, loop: LinearRing, count: int
) -> Trajectory | None:
    """A robot's loop: camera height ``LOW_EYE_HEIGHT_M`` (fixed, no hand to drift), kept
    ``LOW_CLEARANCE_M`` from every piece on the floor (a point of the loop inside one moves to
    the nearest clear spot within 0.6 m, else is left out); None when no point is clear."""
    points, headings = _along(rng, loop, count)
    pieces = [
        p.footprint.buffer(LOW_CLEARANCE_M)
        for p in layout.placed
        if p.on_floor and p.model.height > FLAT_M
    ]
    clear = layout.room.buffer(-0.3)
    if pieces:
        clear = clear.difference(shapely.union_all(pieces))
    keep = []
    for i, (x, y) in enumerate(points):
        spot = shapely.Point(x, y)
        if not clear.contains(spot):
            nearest = nearest_points(clear, spot)[0] if not clear.is_empty else None
            if nearest is None or nearest.distance(spot) > 0.6 or not clear.contains(nearest):
                continue
            points[i] = nearest.coords[0]
        keep.append(i)
    return _walk(rng, layout, glance, points[keep], headings[keep], "low", "l",
                 LOW_EYE_HEIGHT_M, 0.0, None, LOW_MAX_STRUCTURE)  # fmt: skip


def free_space(layout: Layout) -> Polygon:
    """Where a camera may stand: inside the walls, outside tall furniture."""
    tall = [p.footprint.buffer(0.2) for p in layout.placed if p.model.height > TALL]
    return (
        layout.room.buffer(-0.3).difference(shapely.union_all(tall))
        if tall
        else layout.room.buffer(-0.3)
    )


def _clear_view(layout: Layout, free, eye_xy: np.ndarray, target_xy: np.ndarray) -> bool:
    return free.contains(shapely.Point(eye_xy)) and layout.room.contains(
        LineString([eye_xy, target_xy])
    )


def orbit(
    rng: np.random.Generator,
    layout: Layout,
    glance: Glance,
    free: Polygon,
    count: int,
    anchor: Placed,
) -> Trajectory | None:
    """Around the room's main piece (else one of the next largest, ``ORBIT_CENTRES``, else the
    room's middle), the camera in free space, every optical axis through the piece's vertical
    axis. At each of ``count`` angles, the spot (within 2.6 m) whose view, pitched at the middle
    height of what it frames there or a little above, is good (``Glance``) and worth most (the
    farthest on a tie); an angle without one is left out."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(55.0, 70.0))
    eye_z = rng.uniform(EYE_HEIGHT_M[0], min(1.6, layout.height - 0.3))
    start = rng.uniform(0, 2 * np.pi)
    angles = start + 2 * np.pi * np.arange(count) / count
    rays = np.column_stack([np.cos(angles), np.sin(angles)])
    seen = sights(layout)
    others = sorted(
        (p for p in layout.placed if p.on_floor and p.model.height > FLAT_M and p is not anchor),
        key=lambda p: -p.footprint.area,
    )
    pieces = [anchor, *others][:ORBIT_CENTRES]
    for center in [np.array([p.x, p.y]) for p in pieces] + [layout.center]:
        radii = np.arange(rng.uniform(1.6, 2.6), 0.7, -0.1)
        grid = center + rays[:, None, :] * radii[None, :, None]  # (angle, radius, 2)
        ok = shapely.contains_xy(free, grid[..., 0], grid[..., 1])
        spots = [
            (i, j)
            for i in range(count)
            for j in np.flatnonzero(ok[i])
            if layout.room.contains(LineString([grid[i, j], center]))
        ]
        if not spots:
            continue
        eyes = np.array([[*grid[i, j], eye_z] for i, j in spots])
        yaws = np.arctan2(center[1] - eyes[:, 1], center[0] - eyes[:, 0])
        aimed = np.array(
            [aim_scores(seen, e, K, np.array([y]))[1][0] for e, y in zip(eyes, yaws, strict=True)]
        )
        options = pitch_options(aimed, K)  # (spots, 2)
        looks = glance.look(np.repeat(eyes, 2, axis=0), np.repeat(yaws, 2), options.ravel(), K)
        good = looks.good.reshape(-1, 2)
        worth = glance.scores(looks, options.ravel()).reshape(-1, 2)
        chosen = {}  # the good spot of each angle worth most (the farthest on a tie)
        for s, (i, _) in enumerate(spots):
            if good[s].any():
                p = int(np.argmax(np.where(good[s], worth[s], -np.inf)))
                if i not in chosen or worth[s, p] > worth[chosen[i]]:
                    chosen[i] = (s, p)
        if len(chosen) >= max(3, count // 3):  # an arc in front of a piece by a wall
            frames = []
            for k, i in enumerate(sorted(chosen)):
                s, p = chosen[i]
                t = k * FRAME_SPACING_S
                frames.append(aimed_frame(f"o{k:04d}", t, eyes[s], yaws[s], options[s, p], K))
            return Trajectory("orbit", tuple(frames))
    return None


def lookat(
    rng: np.random.Generator, layout: Layout, glance: Glance, free: Polygon, count: int
) -> Trajectory | None:
    """Still views of single pieces (the largest first), from in front of them where they have
    a front: of the clear spots tried around each piece (``LOOKAT_TURNS_DEG`` off its front, a
    distance drawn from each of ``LOOKAT_DISTANCES_M``) and two pitches (the piece's middle
    height, or a little above), the good view (``Glance``) worth most; a piece without one gets
    no view."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(55.0, 70.0))
    pieces = sorted(
        (p for p in layout.placed if p.on_floor and p.model.height > FLAT_M),
        key=lambda p: -p.footprint.area,
    )
    frames = []
    for piece in pieces:
        if len(frames) == count:
            break
        center = np.array([piece.x, piece.y])
        base = piece.direction if piece.model.has_front else layout.center - center
        base = base / max(np.linalg.norm(base), 1e-9)
        eye_z = rng.uniform(1.3, min(EYE_HEIGHT_M[1], layout.height - 0.3))
        middle = float(piece.mesh.vertices[:, 2].max()) / 2
        eyes, yaws, aimed = [], [], []
        for turn in LOOKAT_TURNS_DEG:
            c, s = math.cos(math.radians(turn)), math.sin(math.radians(turn))
            direction = np.array([c * base[0] - s * base[1], s * base[0] + c * base[1]])
            for distance in [rng.uniform(*band) for band in LOOKAT_DISTANCES_M]:
                eye = center + distance * direction
                if _clear_view(layout, free, eye, center):
                    eyes.append([*eye, eye_z])
                    yaws.append(math.atan2(-direction[1], -direction[0]))
                    aimed.append(math.atan2(middle - eye_z, distance))
        if not eyes:
            continue
        eyes, yaws = np.array(eyes), np.array(yaws)
        options = pitch_options(np.array(aimed), K)
        looks = glance.look(np.repeat(eyes, 2, axis=0), np.repeat(yaws, 2), options.ravel(), K)
        worth = glance.scores(looks, options.ravel())
        worth += GOOD_BONUS * (looks.structure <= LOOKAT_MAX_STRUCTURE)  # the tighter first
        worth = np.where(looks.good, worth, -np.inf)
        if np.isfinite(worth).any():
            k = int(np.argmax(worth))
            t = len(frames) * FRAME_SPACING_S
            eye, yaw, pitch = eyes[k // 2], yaws[k // 2], options.ravel()[k]
            frames.append(aimed_frame(f"v{len(frames):04d}", t, eye, yaw, pitch, K))
    return Trajectory("lookat", tuple(frames)) if frames else None
