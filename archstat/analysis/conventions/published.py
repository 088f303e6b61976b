"""Figures that are printed, not computed: torchvision's documented GFLOPS and the papers' own.

torchvision's model tables (its weights' ``meta``: ``_ops`` printed as "GFLOPS", ``num_params``)
count a convolution's and a linear layer's multiply-adds once each (no biases, batch norm or
pooling) and print them in units of 10^9 to three decimals. They are listed here only for the zoo
networks whose layout is torchvision's own (same layers, same parameter count); ``resnet50`` (the
paper's v1, stride in the 1x1) is not torchvision's ``resnet50``, ``resnet50_v1_5`` is; the zoo's
``googlenet`` (the paper's 5x5 branch and LRN) is not torchvision's GoogLeNet, ``googlenet_tv`` is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Documented:
    """torchvision's figures for one network: its builder's name, ``_ops`` (GFLOPS as printed,
    multiply-adds in units of 10^9), ``num_params``, and whether that count holds the auxiliary
    heads (Inception-v3's 27,161,264 does; GoogLeNet's released weights come without them)."""

    builder: str
    gflops: float
    params: int
    with_aux: bool = False


# From torchvision's weights metadata (torchvision/models/{resnet,vgg,densenet,alexnet,inception}.py).
TORCHVISION: dict[str, Documented] = {
    "alexnet_owt": Documented("alexnet", 0.714, 61_100_840),
    "resnet18": Documented("resnet18", 1.814, 11_689_512),
    "resnet34": Documented("resnet34", 3.664, 21_797_672),
    "resnet50_v1_5": Documented("resnet50", 4.089, 25_557_032),
    "resnet101_v1_5": Documented("resnet101", 7.801, 44_549_160),
    "resnet152_v1_5": Documented("resnet152", 11.514, 60_192_808),
    "resnext50_32x4d": Documented("resnext50_32x4d", 4.23, 25_028_904),
    "resnext101_32x8d": Documented("resnext101_32x8d", 16.414, 88_791_336),
    "resnext101_64x4d": Documented("resnext101_64x4d", 15.46, 83_455_272),
    "vgg11": Documented("vgg11", 7.609, 132_863_336),
    "vgg11_bn": Documented("vgg11_bn", 7.609, 132_868_840),
    "vgg13": Documented("vgg13", 11.308, 133_047_848),
    "vgg13_bn": Documented("vgg13_bn", 11.308, 133_053_736),
    "vgg16": Documented("vgg16", 15.47, 138_357_544),
    "vgg16_bn": Documented("vgg16_bn", 15.47, 138_365_992),
    "vgg19": Documented("vgg19", 19.632, 143_667_240),
    "vgg19_bn": Documented("vgg19_bn", 19.632, 143_678_248),
    "densenet121": Documented("densenet121", 2.834, 7_978_856),
    "densenet161": Documented("densenet161", 7.728, 28_681_000),
    "densenet169": Documented("densenet169", 3.36, 14_149_480),
    "densenet201": Documented("densenet201", 4.291, 20_013_928),
    "inception_v3": Documented("inception_v3", 5.713, 27_161_264, with_aux=True),
    # torchvision's GoogLeNet (3x3 "5x5" branch, batch norm): the zoo's googlenet_tv, where registered.
    "googlenet_tv": Documented("googlenet", 1.498, 6_624_904),
    # torchvision/models/{squeezenet,mobilenetv2,mobilenetv3}.py: the zoo's paper layouts are torchvision's.
    "squeezenet1_0": Documented("squeezenet1_0", 0.819, 1_248_424),
    "squeezenet1_1": Documented("squeezenet1_1", 0.349, 1_235_496),
    "mobilenet_v2": Documented("mobilenet_v2", 0.301, 3_504_872),
    "mobilenet_v3_large": Documented("mobilenet_v3_large", 0.217, 5_483_032),
    "mobilenet_v3_small": Documented("mobilenet_v3_small", 0.057, 2_542_856),
    # torchvision/models/{shufflenetv2,efficientnet,convnext}.py. Not efficientnet_b2: torchvision's
    # 1.088 is at 288, its weights' crop, where the zoo's B2 runs at the paper's 260.
    "shufflenet_v2_x0_5": Documented("shufflenet_v2_x0_5", 0.04, 1_366_792),
    "shufflenet_v2_x1_0": Documented("shufflenet_v2_x1_0", 0.145, 2_278_604),
    "shufflenet_v2_x1_5": Documented("shufflenet_v2_x1_5", 0.296, 3_503_624),
    "shufflenet_v2_x2_0": Documented("shufflenet_v2_x2_0", 0.583, 7_393_996),
    "efficientnet_b0": Documented("efficientnet_b0", 0.386, 5_288_548),
    "efficientnet_b1": Documented("efficientnet_b1", 0.687, 7_794_184),
    "efficientnet_b3": Documented("efficientnet_b3", 1.827, 12_233_232),
    "efficientnet_b4": Documented("efficientnet_b4", 4.394, 19_341_616),
    "efficientnet_b5": Documented("efficientnet_b5", 10.266, 30_389_784),
    "efficientnet_b6": Documented("efficientnet_b6", 19.068, 43_040_704),
    "efficientnet_b7": Documented("efficientnet_b7", 37.746, 66_347_960),
    "convnext_tiny": Documented("convnext_tiny", 4.456, 28_589_128),
}
