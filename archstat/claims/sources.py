"""The five source documents of ``archstat claims`` and the settings their figures are stated at.

A ``Source`` is a document's file and first line; the settings are the documents' own examples
(source 000's bottleneck on a 100x100x56 input, source 003's AlexNet item by item, ...), named once
here so that the catalogue's claims read as the documents' words and a measure.
"""

from __future__ import annotations

from .rules import Source

SOURCES = {
    "000": Source("000_1f7ad8cd7e007282.txt",
                  "转自:[机器学习ML NOTE] CNN演化史(AlexNet、VGG、Inception、ResNet)+Keras Coding)"),
    "001": Source("001_d568c57ae0cf5836.txt", "带你学会深度学习之卷积神经网络[CNN] - 4"),
    "002": Source("002_be29001d14f6a698.txt", "深度学习第三周学习"),
    "003": Source("003_cdf07c2c5dbb1f8e.txt", "- 黄色和灰色是问题,粉色是重点。",
                  "first line is a reader's note; the page: 技术向:一文读懂卷积神经网络CNN"),
    "004": Source("004_bf96018cdfa21801.txt", "0",
                  "first line is a stray '0'; the page: 雷鋒網硬創公開課, 黃文堅, 四大經典CNN網絡, 2017-02-28"),
}

K17 = {"num_classes": 17}  # source 000 trains on oxflower17
BOTTLENECK = {"cin": 56, "mid": 28, "cout": 125, "kernel": 5, "hw": 100}
F5 = {"kernel": 5, "channels": 64, "hw": 28}  # Inception's 3a grid
F7 = {"kernel": 7, "channels": 64, "hw": 56}
F7_17 = {"kernel": 7, "channels": 192, "hw": 17}  # Inception-v3's 17x17 grid
F3_8 = {"kernel": 3, "channels": 192, "hw": 8}  # ... and its 8x8 grid
RESNEXT = {"width": 256, "groups": 32, "group_width": 4, "hw": 56}
# Source 003's AlexNet, item by item: (what, the document's value).
LIST_003 = (("input", 224), ("conv1 kernel", 5), ("conv1 kernels", 96), ("pool1 kernel", 2),
            ("conv2 kernel", 3), ("conv2 kernels", 256), ("pool2 kernel", 2), ("conv3 kernel", 3),
            ("conv3 kernels", 384), ("conv4 kernel", 3), ("conv4 kernels", 384), ("conv5 kernel", 3),
            ("conv5 kernels", 256), ("pool5 kernel", 2), ("fc6 width", 4096), ("fc7 width", 4096),
            ("fc8 width", 1000))
VGG_BLOCKS_1_2 = ("features.conv1_", "features.pool1", "features.conv2_", "features.pool2")
