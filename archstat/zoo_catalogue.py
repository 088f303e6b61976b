"""The zoo's listing facts as literals: what ``archstat list`` and shell completion read, without torch.

Generated from the registry by ``python -m archstat.models.catalogue --write``; do not edit by hand.
tests/test_zoo_catalogue.py fails when it differs from the registry. It sits outside
``archstat.models`` because importing any module of that package first runs the package, which
imports every family and torch.
"""

from __future__ import annotations

import fnmatch
from typing import NamedTuple


class ZooEntry(NamedTuple):
    """One registered model's listing facts, as its ``ModelInfo`` holds them (sides in pixels)."""

    name: str
    family: str
    year: int
    paper: str
    input_size: tuple[int, int, int]  # channels, height, width
    min_input: int | None  # smallest square side that runs
    variant_of: str | None  # the zoo's paper layout a released layout re-implements


def entries(pattern: str | None = None) -> list[ZooEntry]:
    """The entries whose name matches the shell-style ``pattern`` (case-sensitively; ``None``: all),
    in the registry's natural order (resnet18 < resnet50 < resnet101), as ``list_models`` gives them."""
    return [entry for entry in ENTRIES if pattern is None or fnmatch.fnmatchcase(entry.name, pattern)]


def names(pattern: str | None = None) -> list[str]:
    """The names ``entries(pattern)`` holds, in the same order."""
    return [entry.name for entry in entries(pattern)]


# In natural order of name, as list_models() sorts them.
ENTRIES: tuple[ZooEntry, ...] = (
    ZooEntry(
        name='alexnet', family='AlexNet', year=2012,
        input_size=(3, 227, 227), min_input=227, variant_of=None,
        paper='ImageNet Classification with Deep Convolutional Neural Networks',
    ),
    ZooEntry(
        name='alexnet_owt', family='AlexNet', year=2014,
        input_size=(3, 224, 224), min_input=63, variant_of=None,
        paper='One weird trick for parallelizing convolutional neural networks',
    ),
    ZooEntry(
        name='densenet121', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    ZooEntry(
        name='densenet161', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    ZooEntry(
        name='densenet169', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    ZooEntry(
        name='densenet201', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    ZooEntry(
        name='densenet264', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    ZooEntry(
        name='googlenet', family='Inception', year=2014,
        input_size=(3, 224, 224), min_input=31, variant_of=None,
        paper='Going Deeper with Convolutions',
    ),
    ZooEntry(
        name='googlenet_tv', family='Inception', year=2014,
        input_size=(3, 224, 224), min_input=15, variant_of='googlenet',
        paper='Going Deeper with Convolutions',
    ),
    ZooEntry(
        name='inception_resnet_v2', family='Inception', year=2016,
        input_size=(3, 299, 299), min_input=75, variant_of=None,
        paper='Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning',
    ),
    ZooEntry(
        name='inception_resnet_v2_tf', family='Inception', year=2016,
        input_size=(3, 299, 299), min_input=75, variant_of='inception_resnet_v2',
        paper='Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning',
    ),
    ZooEntry(
        name='inception_v2', family='Inception', year=2015,
        input_size=(3, 224, 224), min_input=7, variant_of=None,
        paper='Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift',
    ),
    ZooEntry(
        name='inception_v3', family='Inception', year=2015,
        input_size=(3, 299, 299), min_input=75, variant_of=None,
        paper='Rethinking the Inception Architecture for Computer Vision',
    ),
    ZooEntry(
        name='inception_v4', family='Inception', year=2016,
        input_size=(3, 299, 299), min_input=75, variant_of=None,
        paper='Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning',
    ),
    ZooEntry(
        name='lenet5', family='LeNet', year=1998,
        input_size=(1, 32, 32), min_input=32, variant_of=None,
        paper='Gradient-Based Learning Applied to Document Recognition',
    ),
    ZooEntry(
        name='nin', family='NIN', year=2013,
        input_size=(3, 224, 224), min_input=39, variant_of=None,
        paper='Network In Network',
    ),
    ZooEntry(
        name='preact_resnet18', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='preact_resnet34', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='preact_resnet50', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='preact_resnet101', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='preact_resnet152', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='preact_resnet164', family='ResNet v2 (CIFAR, pre-activation)', year=2016,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='preact_resnet200', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='preact_resnet1001', family='ResNet v2 (CIFAR, pre-activation)', year=2016,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    ZooEntry(
        name='resnet18', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet20', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet32', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet34', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet44', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet50', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet50_v1_5', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet56', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet101', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet101_v1_5', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet110', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet152', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet152_v1_5', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnet1202', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    ZooEntry(
        name='resnext50_32x4d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    ZooEntry(
        name='resnext101_32x4d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    ZooEntry(
        name='resnext101_32x8d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    ZooEntry(
        name='resnext101_64x4d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    ZooEntry(
        name='vgg11', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg11_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg11_lrn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg13', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg13_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg16', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg16_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg16c', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg19', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    ZooEntry(
        name='vgg19_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
)
