"""archstat: exact parameter, multiply-add and receptive-field accounting for classic CNNs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("archstat")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from .analysis.counting import analyze
from .analysis.report import Report
from .errors import ArchstatError, UnknownModelError, UsageError
from .models import ModelInfo, build_model, get_model_info, list_models, register_model

__all__ = [
    "ArchstatError", "ModelInfo", "Report", "UnknownModelError", "UsageError", "__version__", "analyze",
    "build_model", "get_model_info", "list_models", "register_model",
]
