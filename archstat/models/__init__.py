"""The reference zoo: every family, each written from its paper, and the registry they fill.

Importing this package registers every family (listed here, not discovered): read the zoo through it.
"""

from . import alexnet, densenet, googlenet, inception, lenet, nin, resnet, resnet_cifar, vgg  # noqa: F401
from .registry import (
           ModelInfo,
           build_model,
           get_model_info,
           list_models,
           register_model,
           suggest,
           unknown_model_message,
)

__all__ = ["ModelInfo", "build_model", "get_model_info", "list_models", "register_model", "suggest",
           "unknown_model_message"]
