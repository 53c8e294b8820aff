"""Errors of the core. Each message says what is wrong and how to fix it."""

from __future__ import annotations

__all__ = [
    "AutoMLError",
    "DataLoadError",
    "TargetError",
    "SchemaMismatchError",
    "NotFoundError",
    "DatasetNotFoundError",
    "RunNotFoundError",
    "JobNotFoundError",
    "RunNotReadyError",
    "GPUUnavailableError",
    "InvalidIdError",
    "ConfigError",
    "RecipeError",
    "WorkspaceError",
    "DeploymentError",
    "ClusterError",
    "TaskKindError",
]


class AutoMLError(Exception):
    """Base class of every error the core raises on purpose."""


class DataLoadError(AutoMLError, ValueError):
    """A file could not be read as a table."""


class TargetError(AutoMLError, ValueError):
    """The chosen target column cannot be learned."""


class SchemaMismatchError(AutoMLError, ValueError):
    """Rows given for prediction do not match what the model was trained on."""


class NotFoundError(AutoMLError, LookupError):
    """Something asked for by id is not in the workspace."""


class DatasetNotFoundError(NotFoundError):
    pass


class RunNotFoundError(NotFoundError):
    pass


class JobNotFoundError(NotFoundError):
    pass


class RunNotReadyError(AutoMLError, RuntimeError):
    """The run exists but has no usable model (still training, failed or cancelled)."""


class GPUUnavailableError(AutoMLError, RuntimeError):
    """A GPU was required but none is visible."""


class InvalidIdError(AutoMLError, ValueError):
    """An id that could escape the workspace or is malformed."""


class ConfigError(AutoMLError, ValueError):
    """A setting that cannot be used as given (a training option, a port, a budget)."""


class RecipeError(AutoMLError, ValueError):
    """A cleaning step that cannot be applied to this table."""


class WorkspaceError(AutoMLError, RuntimeError):
    """The workspace folder or its catalogue cannot be used by this version."""


class DeploymentError(AutoMLError, ValueError):
    """A deployment cannot do what was asked (unknown name, nothing to roll back to, a run it serves)."""


class ClusterError(AutoMLError, RuntimeError):
    """The configured Ray cluster cannot be reached, joined or used."""


class TaskKindError(AutoMLError, ValueError):
    """A run of one kind of task (a table, a forecast) was asked for what only another kind does."""
