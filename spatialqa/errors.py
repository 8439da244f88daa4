"""One exception hierarchy; each class also inherits the built-in it resembles."""


class SpatialQAError(Exception):
    """Base of every error spatialqa raises on purpose."""


class SceneError(SpatialQAError, ValueError):
    """A scene is malformed; the message names the file and the field."""


class ConfigError(SpatialQAError, ValueError):
    """A build config is malformed; the message names the field, the value and what was expected."""


class TaskError(SpatialQAError, KeyError):
    """A task name is unknown or registered twice."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PlacementError(SpatialQAError, RuntimeError):
    """Bounded rejection sampling gave up (placing furniture, drawing distractors)."""


class OutputError(SpatialQAError, OSError):
    """The output cannot be written (disk full, permissions, another build holds it).

    Not a scene's fault: a build stops with this error rather than skipping scenes."""
