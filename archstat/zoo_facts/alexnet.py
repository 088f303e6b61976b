"""What the papers state about the networks ``archstat/models/alexnet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

_PAPER = "ImageNet Classification with Deep Convolutional Neural Networks"


MODELS = (
    ModelInfo(
        name="alexnet", family="AlexNet", paper=_PAPER, year=2012, input_size=(3, 227, 227),
        paper_params=60e6, params_exact=False, paper_macs=None, paper_depth=8,
        paper_source="Abstract ('60 million parameters and 650,000 neurons')",
        layout=(
            "The paper's two-tower network with the towers as convolution groups (conv2, conv4, conv5 "
            "groups=2; conv3 full): 60,965,224 params. Input 227x227: the paper says 224, but an "
            "11x11 stride-4 unpadded convolution gives the stated 55x55 only from 227 "
            "((227-11)/4+1 = 55; 224 gives 54). There is no adaptive pool, so fc6 needs pool5 at "
            "6x6: inputs 227..258 run. LRN after ReLU of conv1 and conv2 (n=5, k=2, alpha=1e-4, "
            "beta=0.75). Without groups (one tower of the same widths) conv2/4/5 would double: "
            "62,378,344 params."
        ),
        top5_error=(
            "18.2% (ILSVRC-2012 val, one CNN); 16.4% averaging five; 15.3% test for the winning "
            "entry (seven CNNs, two pre-trained on ImageNet Fall 2011); 17.0% ILSVRC-2010 test"
        ),
        has_aux=False, min_input=227,
        extra={
            "input_range": "227..258 (fc6 expects 256x6x6)",
            "paper_neurons": (
                "650,000; Figure 2 lists 253,440-186,624-64,896-64,896-43,264-4096-4096-1000, "
                "but 96x55x55 = 290,400"
            ),
        },
    ),
    ModelInfo(
        name="alexnet_owt", family="AlexNet", paper="One weird trick for parallelizing convolutional neural networks",
        year=2014, input_size=(3, 224, 224), paper_params=None, params_exact=False, paper_macs=None,
        paper_depth=8, paper_source="Krizhevsky 2014 (arXiv:1404.5997); widths as in cuda-convnet2",
        layout=(
            "Single tower, widths 64-192-384-256-256, conv1 11x11/4 pad 2, conv2 5x5 pad 2, conv3-5 "
            "3x3 pad 1, no LRN, adaptive average pool to 6x6, then 9216-4096-4096-1000: 61,100,840 "
            "params. The paper's footnote gives 64-192-384-384-256 (that build: 61,838,248 params); "
            "64-192-384-256-256 is what Krizhevsky's cuda-convnet2 1-GPU config uses, though that "
            "config pads conv1 by 0 and keeps LRN after conv1 and conv2. Smallest input: 63x63."
        ),
        top5_error=None, has_aux=False, min_input=63,
    ),
)
