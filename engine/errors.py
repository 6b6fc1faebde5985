"""One exception hierarchy for GraphLab; every message says what to fix."""


class GraphLabError(Exception):
    """Base of every error GraphLab reports to a person (no traceback needed)."""


class GraphError(GraphLabError):
    """The graph's structure is wrong: unknown op, unconnected port, duplicate id, ..."""


class CycleError(GraphError):
    """The graph has a cycle; the message names its node ids in order."""


class ShapeError(GraphError):
    """Shapes disagree; the message names the node, the port and both shapes."""


class AttrError(GraphError):
    """An attribute value is not allowed; the message names attr, value and what is allowed."""


class DeviceError(GraphLabError):
    """The requested device (for example CUDA) cannot be used."""


class FileFormatError(GraphLabError):
    """A graph or project file cannot be read; the message names the place."""


class DatasetError(GraphLabError):
    """A dataset cannot be loaded or does not fit the graph."""


class TrainingError(GraphLabError):
    """Training stopped (for example on a NaN loss); the message says where and why."""
