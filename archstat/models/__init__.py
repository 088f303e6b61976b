"""The reference zoo: every family, each written from its paper, and the registry they fill.

Importing this package registers every family (listed here, not discovered): read the zoo through it.
"""

from ..zoo_facts import ModelInfo  # the facts' one record, re-exported here beside the registry that binds them
from . import (  # noqa: F401
    alexnet,
    convnext,
    densenet,
    efficientnet,
    googlenet,
    inception,
    inception_v4,
    lenet,
    mobilenet_v1,
    mobilenet_v2,
    mobilenet_v3,
    nin,
    preact_resnet,
    resnet,
    resnet_cifar,
    resnext,
    senet,
    shufflenet_v1,
    shufflenet_v2,
    squeezenet,
    vgg,
    xception,
)
from .registry import (
    build_model,
    get_model_info,
    list_models,
    register_model,
    suggest,
    unknown_model_message,
)

__all__ = ["ModelInfo", "build_model", "get_model_info", "list_models", "register_model", "suggest",
           "unknown_model_message"]
