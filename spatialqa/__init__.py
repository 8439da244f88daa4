"""spatialqa: exact spatial question-answer datasets from 3D scenes.

The work lives in five subpackages, one per layer, and data flows one way through them:
``scenes`` -> ``oracle`` -> ``generators`` and ``degradations`` -> ``pipelines``.
"""

from spatialqa import moved
from spatialqa.errors import ConfigError, SceneError, SpatialQAError, TaskError

moved.install()  # old module paths keep working, with a warning, for one release

__version__ = "0.1.0"
__all__ = ["ConfigError", "SceneError", "SpatialQAError", "TaskError", "__version__"]
