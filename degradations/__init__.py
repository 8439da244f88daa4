"""Views: render RGB, depth and instance masks, then degrade them with 2D labels kept right.

Importing this package sets ``PYOPENGL_PLATFORM=egl`` unless it is already set (see
``spatialqa.degradations.render``); pyrender itself is imported only when a renderer is made.
"""

from spatialqa.degradations.appearance import gaussian_noise, jpeg
from spatialqa.degradations.base import SEVERITIES, Degradation, Degraded, check_severity
from spatialqa.degradations.codec import decode_image, encode_image
from spatialqa.degradations.registry import DEGRADATIONS, get_degradation
from spatialqa.degradations.render import (
    BACKGROUND_ID,
    STRUCTURE_ID,
    PyrenderRenderer,
    Renderer,
    View,
)

__all__ = [
    "BACKGROUND_ID",
    "DEGRADATIONS",
    "SEVERITIES",
    "STRUCTURE_ID",
    "Degradation",
    "Degraded",
    "PyrenderRenderer",
    "Renderer",
    "View",
    "check_severity",
    "decode_image",
    "encode_image",
    "gaussian_noise",
    "get_degradation",
    "jpeg",
]
