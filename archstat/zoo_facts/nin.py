"""What the papers state about the networks ``archstat/models/nin.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

MODELS = (
    ModelInfo(
        name="nin", family="NIN", paper="Network In Network", year=2013, input_size=(3, 224, 224), min_input=39,
        paper_params=None, paper_macs=None, paper_depth=None,
        paper_source=("The paper gives no ImageNet model; layout from the authors' Caffe model zoo "
                      "gist mavenlin/d802a5849de39225bcc6 (train_val.prototxt)"),
        layout=("Caffe model-zoo NIN ImageNet: 4 mlpconv layers (12 convolutions with bias, ReLU "
                "after every one, including cccp8), max-pools 3x3/2 rounded up as in Caffe, dropout "
                "0.5 after pool3, global average pooling instead of fully connected layers. 7,595,176 "
                "parameters, whose float32 size (29.0 MiB) matches the gist's '29MB' snapshot. No fc "
                "module: cccp8 is the classifier."),
        top5_error=None,
        extra={"venue": "ICLR 2014 (arXiv 1312.4400, December 2013)",
               "top1_accuracy": "59.36% (model zoo gist, center crop; not in the paper)",
               "depth": "4 mlpconv layers, 12 weight layers", "classifier": "cccp8"},
    ),
)
