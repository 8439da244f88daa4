"""Images: render RGB, depth and instance masks of frames, then degrade them with 2D labels
kept right.

OpenGL (moderngl through EGL) is loaded only when a rasterising renderer first renders.
"""

from spatialqa import moved
from spatialqa.degradations.appearance import (
    colour_shift,
    gaussian_noise,
    jpeg,
    low_light,
    low_resolution,
    over_exposure,
)
from spatialqa.degradations.base import SEVERITIES, Degradation, Degraded, check_severity
from spatialqa.degradations.codec import decode_image, encode_image
from spatialqa.degradations.delivery import (
    BACKENDS,
    DeliveredFrame,
    egl_available,
    make_renderer,
    render_and_degrade,
)
from spatialqa.degradations.labels import PixelMap, mask_box, move_labels, relabel
from spatialqa.degradations.optics import defocus, haze, lens_distortion, motion_blur
from spatialqa.degradations.raycast import RaycastRenderer
from spatialqa.degradations.registry import DEGRADATIONS, get_degradation
from spatialqa.degradations.render import (
    PyrenderRenderer,
    RasterRenderer,
    RenderedFrame,
    Renderer,
)
from spatialqa.degradations.sheet import contact_sheet, write_contact_sheet
from spatialqa.degradations.weather import rain, snow, water_droplets

__all__ = [
    "BACKENDS",
    "DEGRADATIONS",
    "SEVERITIES",
    "Degradation",
    "Degraded",
    "DeliveredFrame",
    "PixelMap",
    "PyrenderRenderer",
    "RasterRenderer",
    "RaycastRenderer",
    "RenderedFrame",
    "Renderer",
    "check_severity",
    "colour_shift",
    "contact_sheet",
    "decode_image",
    "defocus",
    "egl_available",
    "encode_image",
    "gaussian_noise",
    "get_degradation",
    "haze",
    "jpeg",
    "lens_distortion",
    "low_light",
    "low_resolution",
    "make_renderer",
    "mask_box",
    "motion_blur",
    "move_labels",
    "over_exposure",
    "rain",
    "relabel",
    "render_and_degrade",
    "snow",
    "water_droplets",
    "write_contact_sheet",
]

__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
