"""The catalogue of ``archstat claims``: every checkable statement of the five source documents.

One ``Claim`` per statement, ids c01..c37 as in the project's list of claims, c38 onwards for the
further ones found in the documents. Each gives the document's words (``quote``; "…" joins
fragments; source 004's conversion artefacts, pinyin in brackets and "?" for spaces, are left out),
an English rendering, and its figures as ``Part`` s: what the document says, the rule its words
imply (``claims.rules.RULES``) and how it is measured (``claims.measure``, ``claims.figures``,
``claims.structure``). The documents and their settings are ``claims.sources``.
No measured number is written here: ``archstat claims`` builds and counts every time.
"""

from __future__ import annotations

from .figures import form_saving, form_value, forms_agree, meta_params, saved_activations, saved_share, trace_free
from .hardware import HARDWARE_CLAIMS, HARDWARE_SOURCES
from .measure import each, kind_share, largest, layer_count, layer_value, ratio, total
from .papers import PAPER_CLAIMS, PAPER_SOURCES
from .rules import Catalogue, Claim, Part
from .sources import BOTTLENECK, F3_8, F5, F7, F7_17, K17, LIST_003, RESNEXT, SOURCES, VGG_BLOCKS_1_2
from .structure import (
    added_1x1,
    aux_heads,
    branch_layout,
    child_kinds,
    conv_chain,
    field,
    head,
    metadata,
    module_attr,
    module_grids,
    nested_branches,
    output_on,
    residual_adds,
    runs,
    stages,
    stated_layers,
    uncalled,
    working_sides,
)

_params, _macs, BIASED = "params", "macs", "params_with_bias"


def _p(says: str, claimed: object, rule: str, measure: object, key: str = "") -> Part:
    return Part(says, claimed, rule, measure, key)  # type: ignore[arg-type]


def _params_ratio(a: str, b: str, **target: object) -> object:
    return ratio(total(_params, a, **target), total(_params, b, **target))  # type: ignore[arg-type]


CLAIMS = [
    Claim("c01", "000", "VGG16的参数量为AlexNet的3倍左右", "VGG16 has about 3 times AlexNet's parameters", (
        _p("about 3x", 3.0, "about", _params_ratio("vgg16", "alexnet"), "k1000"),
        _p("about 3x with 17 classes", 3.0, "about", _params_ratio("vgg16", "alexnet", **K17), "k17"),
    ), why="VGG16 has {k1000} AlexNet's parameters ({k17} with the 17 classes of oxflower17), not 3x; the "
           "document's Keras AlexNet is elided ('1 | import numpy as np |'), so its 3x cannot be traced."),
    Claim("c02", "000", "Inception的参数为VGG的1/20左右", "Inception (GoogLeNet) has about 1/20 of VGG's parameters", (
        _p("about 1/20", 1 / 20, "about", _params_ratio("googlenet", "vgg16")),
        _p("about 1/20 with 17 classes", 1 / 20, "about", _params_ratio("googlenet", "vgg16", **K17)),
    ), note="GoogLeNet without its auxiliary heads (they only train)."),
    Claim("c03", "000", "参数量比Inception多", "(ResNet34) has more parameters than Inception", (
        _p("ResNet34 / GoogLeNet above 1", 1.0, "more", _params_ratio("resnet34", "googlenet")),)),
    Claim("c04", "000", "他的训练参数也比AlexNet少上好几倍",
          "GoogLeNet has several times fewer parameters than AlexNet", (
        _p("several times (2x or more)", 2.0, "several", _params_ratio("alexnet", "googlenet")),)),
    Claim("c05", "000", "这个卷积层的参数就为5655125 = 175000 … 参数就减少成561128+2855*125=89068,相对少了快一半的参数",
          "a 5x5 conv of 125 filters on 100x100x56 has 175,000 parameters; 28 1x1 filters first cut it to 89,068, "
          "almost half fewer", (
              _p("175,000 weights", 175000, "exact", form_value("bottleneck", BOTTLENECK, "direct", _params)),
              _p("89,068 weights", 89068, "exact", form_value("bottleneck", BOTTLENECK, "bottleneck", _params)),
              _p("almost half fewer", 0.5, "almost_half", form_saving("bottleneck", BOTTLENECK, "bottleneck")),
              _p("with biases", None, "info", form_value("bottleneck", BOTTLENECK, "direct", BIASED), "db"),
              _p("with biases", None, "info", form_value("bottleneck", BOTTLENECK, "bottleneck", BIASED), "bb"),
              _p("MACs at 100x100", None, "info", form_value("bottleneck", BOTTLENECK, "direct", _macs), "dm"),
              _p("MACs at 100x100", None, "info", form_value("bottleneck", BOTTLENECK, "bottleneck", _macs), "bm"),
          ), note="The text lost its multiplication signs: '5655125' is 5×5×56×125 and '561128+2855*125' is "
                  "1×1×56×28 + 28×5×5×125. Weights only, as the document counts; with a bias per filter {db} and "
                  "{bb}. MACs at 100x100 fall alike: {dm} against {bm}."),
    Claim("c06", "000", "最后分类时使用average pooling来替代了全连结层 … 网路加入了2个辅助分类器",
          "average pooling replaces the fully connected layers; 2 auxiliary classifiers are added", (
              _p("no fully connected layer before the classifier", 0, "exact", head("googlenet", "hidden fc"), "fc"),
              _p("average pooling feeds the classifier", True, "true", head("googlenet", "global pool")),
              _p("2 auxiliary classifiers", 2, "exact", aux_heads("googlenet")),
          ), note="One fully connected layer stays, the classifier itself. The auxiliary heads run only in "
                  "training and archstat leaves them out unless --aux."),
    Claim("c07", "001", "VGG-16有16个可训练层,而AlexNet只有8个", "VGG-16 has 16 trainable layers, AlexNet only 8", (
        _p("VGG-16: 16 layers", 16, "exact", total("depth", "vgg16")),
        _p("13 convolutions", 13, "exact", layer_count("vgg16", "Conv2d")),
        _p("3 fully connected", 3, "exact", layer_count("vgg16", "Linear")),
        _p("AlexNet: 8 layers", 8, "exact", total("depth", "alexnet")),
        _p("5 convolutions", 5, "exact", layer_count("alexnet", "Conv2d")),
        _p("3 fully connected", 3, "exact", layer_count("alexnet", "Linear")),
    ), note="Source 004 says the same of AlexNet ('前5層為卷積層,后3層為全連接層'). Depth counts weight layers "
            "on the longest path."),
    Claim("c08", "001", "同时,这也使得VGG比AlexNet计算更慢", "this also makes VGG slower to compute than AlexNet", (
        _p("VGG16 / AlexNet MACs above 1", 1.0, "more", ratio(total(_macs, "vgg16"), total(_macs, "alexnet"))),),
        note="Each at its paper's input (224 and 227 pixels)."),
    Claim("c09", "001", "需要存储更多的中间特征图 … 尤其是在网络的前几层,特征图的尺寸较大,消耗的存储资源更多",
          "more intermediate feature maps to store in training, above all in the first layers, where they are large", (
              _p("VGG16 stores more than AlexNet", 1.0, "more",
                 ratio(saved_activations("vgg16"), saved_activations("alexnet"))),
              _p("the first layers hold most: blocks 1-2 above half", 0.5, "more",
                 saved_share("vgg16", VGG_BLOCKS_1_2)),
          ), note="Activation memory for training (bytes autograd saves, fp32, batch 1), from archstat memory; "
                  "blocks 1 and 2 are 4 of VGG16's 13 convolutions."),
    Claim("c10", "001", "self.inception2 = InceptionModule(256)",
          "the example Inception module (1x1 64; 1x1 48 -> 3x3 64; 1x1 64 -> 5x5 96; pool -> 1x1 32) "
          "outputs 256 channels", (
              _p("256 channels", 256, "exact", layer_value("doc001_inception_module", "", "channels")),),
          note="64 + 64 + 96 + 32 channels concatenated; the same document's SimpleGoogleNet, built on this "
               "module, does not run (c38)."),
    Claim("c11", "002", "超深的网络结构(突破1000层)", "very deep networks: beyond 1000 layers", (
        _p("more than 1000 layers (ResNet-1202)", 1000, "more", trace_free("depth", "resnet1202")),
        _p("more than 1000 layers (pre-activation ResNet-1001)", 1000, "more",
           trace_free("depth", "preact_resnet1001")),
        _p("params", None, "info", trace_free(_params, "resnet1202"), "p1202"),
        _p("params", None, "info", trace_free(_params, "preact_resnet1001"), "p1001"),
    ), note="The CIFAR-10 networks of the two ResNet papers: ResNet-1202 has {p1202} parameters, pre-activation "
            "ResNet-1001 {p1001}. Counted on the meta device: fvcore's trace of 1202 layers takes about a minute "
            "and neither figure needs it."),
    Claim("c12", "002", "self.Linear_layer = nn.Linear(2048, 2) … 仅训练最后一个全连接层",
          "put Linear(2048, 2) on ResNet's body and train only that last fully connected layer", (
              _p("2048 features reach the last layer", 2048, "exact",
                 module_attr("resnet50", "classifier.fc", "in_features")),
              _p("trainable", None, "info", total("trainable_params", "resnet50", num_classes=2, train=("fc",)), "t"),
              _p("frozen", None, "info", total("frozen_params", "resnet50", num_classes=2, train=("fc",)), "f"),
          ), note="ResNet-50 with 2 classes and only fc trained: {t} trainable, {f} frozen."),
    Claim("c13", "002", "即使在保持复杂性的限制条件下,增加基数也能够提高分类精度",
          "even when the complexity is kept, more cardinality improves accuracy (ResNeXt keeps ResNet's cost)", (
              _p("about the same params", 1.0, "about", _params_ratio("resnext50_32x4d", "resnet50")),
              _p("about the same MACs", 1.0, "about", ratio(total(_macs, "resnext50_32x4d"), total(_macs, "resnet50"))),
          ), note="Against ResNet-50 as its paper builds it (stride in the first 1x1). The ResNeXt paper's own "
                  "baseline strides the 3x3 (resnet50_v1_5), which costs more MACs and brings the two closer."),
    Claim("c14", "002", "它们在数学计算上完全等价", "the three forms of the block are mathematically equivalent", (
        _p("same params, MACs and output", True, "true",
           forms_agree("cardinality", RESNEXT, ("split_transform_sum", "concatenation", "grouped"))),),
        note="256-d in and out, 32 paths of width 4, at 56x56. archstat shows equal counts and shapes; that the "
             "three compute the same function is the ResNeXt paper's argument, which counting cannot show."),
    Claim("c15", "002", "class Net(nn.Module) … self.fc2 = nn.Linear(16, 2)",
          "a LeNet-like network for 3-channel images and 2 classes", (
              _p("a working 2-class classifier", True, "true", working_sides("doc002_lenet_like"), "sides"),
              _p("params", None, "info", total(_params, "doc002_lenet_like"), "p"),
              _p("never called", None, "info", uncalled("doc002_lenet_like"), "unused"),
          ), note="One row per image needs conv5 to output 1x1, as x.view(-1, 32) assumes; larger inputs run "
                  "but turn each image into several rows. At 128x128: {p} parameters, including {unused}, "
                  "defined and never called."),
    Claim("c16", "003", "1000000×1000000=10^12 … 1000000×100个参数 … 参数数目就变为100了",
          "a 1000x1000 image fully connected to 10^6 units: 10^12 weights; 10x10 local fields: 10^6 x 100; "
          "shared: 100", (
              _p("10^12", 10**12, "exact", meta_params("fc_1e6_to_1e6")),
              _p("10^6 x 100", 10**8, "exact", meta_params("local_10x10_1e6"), "local"),
              _p("100", 100, "exact", meta_params("shared_10x10")),
          ), note="Counted from shapes on the meta device: nothing is allocated."),
    Claim("c17", "003", "参数的数目为4×2×2×2个", "4 channels to 2 channels with 2x2 kernels: 4x2x2x2 parameters", (
        _p("32", 32, "exact", total(_params, "conv_4to2_2x2")),)),
    Claim("c18", "003", "(96 − 8 + 1) × (96 − 8 + 1) = 7921 维的卷积特征 … 892 × 400 = 3,168,400 维",
          "400 8x8 features on a 96x96 image: 7921 values each, 3,168,400 in all", (
              _p("7921 per feature", 7921, "exact", layer_value("conv_400x8x8_on_96", "", "plane")),
              _p("3,168,400 in all", 3168400, "exact", total("activations", "conv_400x8x8_on_96")),
          ), note="'892' is 89² with the superscript lost."),
    Claim("c19", "003", "那就这一层的输出便是32X32X12", "12 filters on a 32x32x3 image give 32x32x12", (
        _p("12x32x32", "12x32x32", "exact", layer_value("conv_12x3x3_same_on_32", "", "output_shape")),
        _p("unpadded", None, "info", layer_value("conv_12x3x3_valid_on_32", "", "output_shape"), "valid"),
    ), note="With 'same' padding at stride 1 (3x3, padding 1 here); the document gives no kernel or padding, and "
            "an unpadded 3x3 gives {valid}."),
    Claim("c20", "003", "第一层卷积:5×5大小的卷积核96个 … 第二层卷积:3×3卷积核256个",
          "AlexNet: conv1 96 kernels of 5x5, 2x2 max-pool; conv2 256 of 3x3; ... (input 224x224)", (
              _p("each layer as listed", True, "true", stated_layers("alexnet", LIST_003), "list"),),
          why="The document's list is not the paper's network, whose conv1 is 11x11 at stride 4, conv2 5x5 and "
              "max-pools 3x3 at stride 2 (overlapping); built, it runs on inputs of 227 to 258 pixels only "
              "(fc6 takes 6x6x256)."),
    Claim("c21", "003", "卷积层计算量大,但所需参数系数 W 少,而FC层计算量小,所需参数系数 W 多",
          "convolutions: much computation, few weights; fully connected layers: little computation, many weights", (
              _p("AlexNet convs: most MACs", 0.5, "more", kind_share(_macs, "alexnet", ("Conv2d",))),
              _p("AlexNet fc: most params", 0.5, "more", kind_share(_params, "alexnet", ("Linear",))),
              _p("VGG16 convs: most MACs", 0.5, "more", kind_share(_macs, "vgg16", ("Conv2d",))),
              _p("VGG16 fc: most params", 0.5, "more", kind_share(_params, "vgg16", ("Linear",))),
          ), note="Hence the document's advice: data parallelism for convolutions, model parallelism for fc layers."),
    Claim("c22", "004", "8層神經網絡 … 19層神經網絡 … 22層神經網絡 … 152層神經網絡",
          "ILSVRC winners' depths: AlexNet 8, VGGNet 19, GoogLeNet 22, ResNet 152 layers", (
              _p("AlexNet 8", 8, "exact", total("depth", "alexnet")),
              _p("VGG-19 19", 19, "exact", total("depth", "vgg19")),
              _p("GoogLeNet 22", 22, "exact", total("depth", "googlenet")),
              _p("ResNet-152 152", 152, "exact", total("depth", "resnet152")),
          ), note="Depth: weight layers (convolutions, fully connected) on the longest path."),
    Claim("c23", "004", "top-5錯誤率16.4%,使用額外數據可達到15.3% … 7.3% … 6.7% … 3.57%",
          "ILSVRC top-5 errors: 16.4% (15.3% with extra data), 7.3%, 6.7%, 3.57%", (
              _p("metadata", None, "info", metadata(("alexnet", "vgg16", "vgg19", "googlenet", "resnet152"))),),
          uncheckable="Competition errors come from training and testing, not from the architecture; the zoo's "
                      "metadata records the papers' figures."),
    Claim("c24", "004", "AlexNet包含了6億3000萬個連接,6000萬個參數和65萬個神經元,擁有5個卷積層,其中3個卷積層后面連接了"
          "最大池化層,最后還有3個全連接層",
          "AlexNet has 630 million connections, 60 million parameters, 650,000 neurons, 5 conv layers, "
          "3 max-pools, 3 fc layers", (
              _p("630 million connections", 630e6, "round", total(_macs, "alexnet"), "macs"),
              _p("60 million parameters", 60e6, "round", total(_params, "alexnet")),
              _p("650,000 neurons", 650e3, "round", total("activations", "alexnet")),
              _p("5 convolutions", 5, "exact", layer_count("alexnet", "Conv2d")),
              _p("3 max-pools", 3, "exact", layer_count("alexnet", "MaxPool2d")),
              _p("3 fully connected", 3, "exact", layer_count("alexnet", "Linear")),
          ), why="The AlexNet paper gives 60 million parameters and 650,000 neurons but no connection count; with "
                 "one connection per multiply-add its network has {macs} at 227x227, above 630 million.",
          note="Neurons: output elements of the convolutions and fc layers."),
    Claim("c25", "004", "第一個卷積層使用了較大的卷積核尺寸11′11,步長為4,有96個卷積核;緊接著一個LRN層;然后是一個3′3的"
          "最大池化層,步長為2",
          "conv1: 96 kernels of 11x11 at stride 4; then LRN; then a 3x3 max-pool at stride 2", (
              _p("11x11", 11, "exact", module_attr("alexnet", "features.conv1.conv", "kernel_size")),
              _p("stride 4", 4, "exact", module_attr("alexnet", "features.conv1.conv", "stride")),
              _p("96 kernels", 96, "exact", module_attr("alexnet", "features.conv1.conv", "out_channels")),
              _p("3x3 pool", 3, "exact", module_attr("alexnet", "features.pool1", "kernel_size")),
              _p("stride 2", 2, "exact", module_attr("alexnet", "features.pool1", "stride")),
              _p("field after conv1", None, "info", field("alexnet", "features.conv1"), "fc1"),
              _p("field after pool1", None, "info", field("alexnet", "features.pool1"), "fp1"),
          ), note="The pooling windows overlap (3 > 2): a unit after pool1 sees {fp1} of the input, "
                  "{fc1} after conv1."),
    Claim("c26", "004", "雖然每一個卷積層占整個網絡的參數量的1%都不到 … 參數量很小,都在1M左右甚至更小",
          "each conv layer holds under 1% of all parameters; the convs have about 1M parameters or fewer", (
              _p("each conv under 1%", 0.01, "under", largest(_params, "alexnet", "Conv2d", share=True), "paper"),
              _p("each conv under 1% (one-tower layout)", 0.01, "under",
                 largest(_params, "alexnet_owt", "Conv2d", share=True), "owt"),
              _p("about 1M or fewer", 1e6, "at_most_about", largest(_params, "alexnet", "Conv2d")),
              _p("all convs", None, "info", kind_share(_params, "alexnet", ("Conv2d",)), "all"),
          ), why="The largest convolution holds more than 1%: {paper} in the paper's two-tower network, {owt} in "
                 "the one-tower layout.", note="All five convolutions together hold {all}."),
    Claim("c27", "004", "雖然從A到E每一級網絡逐漸變深,但是網絡的參數量并沒有增長很多,"
          "這是因為參數量主要都消耗在最后3個全連接層",
          "VGG A to E get deeper but barely gain parameters: most are in the last 3 fc layers", (
              _p("E about as many as A", 1.0, "about", _params_ratio("vgg19", "vgg11")),
              _p("fc layers hold most (A)", 0.5, "more", kind_share(_params, "vgg11", ("Linear",))),
              _p("fc layers hold most (E)", 0.5, "more", kind_share(_params, "vgg19", ("Linear",))),
              _p("A, A-LRN, B, C, D, E", None, "info",
                 each(_params, ("vgg11", "vgg11_lrn", "vgg13", "vgg16c", "vgg16", "vgg19")), "all"),
          ), note="Parameters of A to E: {all}."),
    Claim("c28", "004", "兩個3′3的卷積層串聯相當于1個5′5的卷積層 … "
          "3個串聯的3′3的卷積層,擁有比1個7′7的卷積層更少的參數量,只有后者的",
          "two stacked 3x3 convs act as one 5x5, three as one 7x7, with fewer parameters than the 7x7", (
              _p("two 3x3 see 5x5", 5, "exact", form_value("factorize", F5, "stack_3x3", "receptive_field")),
              _p("three 3x3 see 7x7", 7, "exact", form_value("factorize", F7, "stack_3x3", "receptive_field")),
              _p("fewer params than one 7x7", 1.0, "less", ratio(form_value("factorize", F7, "stack_3x3", _params),
                                                                 form_value("factorize", F7, "direct", _params)), "r"),
          ), note="3·9·C² = 27C² weights against 49C²: {r}, the fraction lost after '只有后者的'. C = 64 here."),
    Claim("c29", "004", "C很有意思,相比B多了幾個1′1的卷積層 … 而輸入通道數和輸出通道數不變",
          "configuration C adds a few 1x1 convs to B, keeping the channel count", (
              _p("C = B + 1x1 convs keeping their width", True, "true", added_1x1("vgg16c", "vgg13")),)),
    Claim("c30", "004", "Inception V1有22層深 … "
          "但其計算量只有15億次浮點運算,同時只有500萬的參數量,僅為AlexNet參數量(6000萬)的1/12",
          "Inception V1: 22 layers, 1.5 billion floating-point operations, 5 million parameters, 1/12 of "
          "AlexNet's 60 million", (
              _p("22 layers", 22, "exact", total("depth", "googlenet")),
              _p("1.5 billion (as multiply-adds)", 1.5e9, "round", total(_macs, "googlenet"), "macs"),
              _p("as FLOPs", None, "info", total("flops", "googlenet"), "flops"),
              _p("5 million parameters", 5e6, "round", total(_params, "googlenet"), "params"),
              _p("1/12 of AlexNet's", 1 / 12, "round", _params_ratio("googlenet", "alexnet"), "ratio"),
          ), why="GoogLeNet laid out by its paper's Table 1 has {params} parameters (the table's own column sums "
                 "to about 6.8M; 5 million is the round figure later papers quote), so it has {ratio} of "
                 "AlexNet's, not 1/12.",
          note="'15億次浮點運算' is the paper's 'about 1.5 billion multiply-adds': {macs}; as floating-point "
               "operations it is {flops}."),
    Claim("c31", "004", "全連接層幾乎占據了AlexNet或VGGNet中90%的參數量",
          "the fully connected layers hold almost 90% of AlexNet's or VGGNet's parameters", (
              _p("almost 90% (AlexNet)", 0.9, "almost", kind_share(_params, "alexnet", ("Linear",)), "a"),
              _p("almost 90% (VGG-16)", 0.9, "almost", kind_share(_params, "vgg16", ("Linear",)), "d"),
              _p("almost 90% (VGG-19)", 0.9, "almost", kind_share(_params, "vgg19", ("Linear",)), "e"),
          ), why="AlexNet's fc layers hold {a}, more than 'almost 90%'; VGG's fit ({d} in VGG-16, {e} in VGG-19)."),
    Claim("c32", "004", "用兩個3′3的卷積代替5′5的大卷積(用以降低參數量并減輕過擬合)",
          "Inception V2: two 3x3 convs replace a 5x5 (fewer parameters)", (
              _p("fewer params than one 5x5", 1.0, "less", ratio(form_value("factorize", F5, "stack_3x3", _params),
                                                                 form_value("factorize", F5, "direct", _params)), "r"),
              _p("same 5x5 field", 5, "exact", form_value("factorize", F5, "stack_3x3", "receptive_field")),
          ), note="2·9·C² = 18C² weights against 25C²: {r}. C = 64 on 28x28."),
    Claim("c33", "004", "比將7′7卷積拆成1′7卷積和7′1卷積,比拆成3個3′3卷積更節約參數",
          "splitting 7x7 into 1x7 + 7x1 saves more parameters than splitting it into three 3x3; likewise 3x3 "
          "into 1x3 + 3x1", (
              _p("1x7 + 7x1 below 7x7", 1.0, "less", ratio(form_value("factorize", F7_17, "asymmetric", _params),
                                                          form_value("factorize", F7_17, "direct", _params))),
              _p("1x7 + 7x1 below three 3x3", 1.0, "less", ratio(form_value("factorize", F7_17, "asymmetric", _params),
                                                                 form_value("factorize", F7_17, "stack_3x3", _params))),
              _p("1x3 + 3x1 below 3x3", 1.0, "less", ratio(form_value("factorize", F3_8, "asymmetric", _params),
                                                          form_value("factorize", F3_8, "direct", _params))),
          ), note="Weights per C²: 7x7 49, three 3x3 27, 1x7 + 7x1 14; 3x3 9, 1x3 + 3x1 6. C = 192."),
    Claim("c34", "004", "現在Inception Module有35′35、17′17和8′8三種不同結構 … 還在分支中使用了分支 … "
          "有42層深的Inception V3",
          "Inception V3 has 35x35, 17x17 and 8x8 modules, branches within branches, and is 42 layers deep", (
              _p("35, 17 and 8", "35, 17, 8", "exact", module_grids("inception_v3", "mixed")),
              _p("branches in branches (8x8)", True, "true", nested_branches("inception_v3", "mixed7b")),
              _p("42 layers", 42, "exact", total("depth", "inception_v3"), "depth"),
          ), why="The Inception-v3 paper says '42 layers deep' without saying how it counts; the longest path of "
                 "weight layers through the built network (the released model's towers) has {depth}."),
    Claim("c35", "004", "成功訓練152層深的神經網絡 … 同時參數量卻比VGGNet低",
          "ResNet: 152 layers, yet fewer parameters than VGGNet", (
              _p("152 layers", 152, "exact", total("depth", "resnet152")),
              _p("below VGG-16", 1.0, "less", _params_ratio("resnet152", "vgg16")),
              _p("below VGG-19", 1.0, "less", _params_ratio("resnet152", "vgg19")),
          )),
    Claim("c36", "004", "兩層的殘差學習單元中包含兩個相同輸出通道數 … 的3′3卷積;而3層的殘差網絡則 … "
          "在中間3′3的卷積前后都使用了1′1卷積,有先降維再升維的操作",
          "the two-layer unit has two 3x3 convs of equal width; the three-layer unit puts 1x1 convs before and "
          "after the 3x3, reducing then restoring the width", (
              _p("two equal 3x3", True, "true", conv_chain("resnet_basic_unit_64", "two equal 3x3")),
              _p("1x1 reduce, 3x3, 1x1 restore", True, "true",
                 conv_chain("resnet_bottleneck_unit_256", "reduce, 3x3, restore")),
              _p("params", None, "info", ratio(total(_params, "resnet_bottleneck_unit_256"),
                                               total(_params, "resnet_basic_unit_64")), "p"),
              _p("MACs", None, "info", ratio(total(_macs, "resnet_bottleneck_unit_256"),
                                             total(_macs, "resnet_basic_unit_64")), "m"),
          ), note="The ResNet paper's point: the three-layer unit on 4x wider features (256) costs about what the "
                  "two-layer one costs on 64: params {p}, MACs {m} (with batch norm, at 56x56)."),
    Claim("c37", "004", "Inception V2(top-5錯誤率4.8%) … Inception V3(top-5錯誤率3.5%) … "
          "Inception V4(top-5錯誤率3.08%)",
          "top-5 errors: Inception V2 4.8%, V3 3.5%, V4 3.08%", (
              _p("metadata", None, "info", metadata(("inception_v2", "inception_v3", "inception_v4"))),),
          uncheckable="Competition errors come from training and testing, not from the architecture; the zoo's "
                      "metadata records the papers' figures."),
    # ---- further claims found in the documents
    Claim("c38", "001", "self.inception2 = InceptionModule(256) … self.fc = nn.Linear(512, num_classes)",
          "the simplified GoogLeNet: conv, two Inception modules, global average pool, Linear(512, classes)", (
              _p("runs", True, "true", runs("doc001_simple_googlenet", (3, 32, 32)), "run"),
              _p("module output", None, "info", layer_value("doc001_inception_module", "", "channels"), "c"),
          ), why="Each InceptionModule outputs {c}, so the pooled features reaching fc are 256 wide and "
                 "Linear(512, num_classes) cannot take them."),
    Claim("c39", "003", "那么权值数据为1000000×100个参数,减少为原来的千分之一",
          "10x10 local connections: 10^6 x 100 weights, one thousandth of the fully connected layer's", (
              _p("one thousandth", 1 / 1000, "exact",
                 ratio(meta_params("local_10x10_1e6"), meta_params("fc_1e6_to_1e6"))),),
          why="10^6 × 100 = 10^8 weights is one ten-thousandth (万分之一) of 10^12, not one thousandth."),
    Claim("c40", "003", "上面所述只有100个参数时,表明只有1个100*100的卷积核",
          "100 parameters mean a single 100*100 kernel", (
              _p("a 100*100 kernel has 100 weights", 100, "exact", total(_params, "kernel_100x100"), "big"),
              _p("a 10x10 kernel", None, "info", total(_params, "kernel_10x10"), "small"),
          ), why="A 100x100 kernel has {big} weights; the 100 shared weights make one 10x10 kernel ({small}), "
                 "the document's own 10×10 field."),
    Claim("c41", "004", "其中輸入的圖片尺寸為224′224,第一個卷積層使用了較大的卷積核尺寸11′11,步長為4",
          "the input is 224x224 and the first conv is 11x11 at stride 4", (
              _p("runs at 224x224", True, "true", runs("alexnet", (3, 224, 224)), "run"),
              _p("conv1 at 224", None, "info", output_on("alexnet", "features.conv1", (3, 224, 224)), "c224"),
              _p("conv1 at 227", None, "info", output_on("alexnet", "features.conv1", (3, 227, 227)), "c227"),
          ), why="With the unpadded 11x11 stride-4 conv1, 224 gives {c224} and fc6 later gets the wrong number of "
                 "features; 227 gives {c227}, the 55x55 of the paper's figure (the paper itself also says 224)."),
    Claim("c42", "004", "LRN層出現在第1個及第2個卷積層后,而最大池化層出現在兩個LRN層及最后一個卷積層后",
          "LRN follows conv1 and conv2; max-pooling follows both LRNs and the last conv", (
              _p("conv, LRN, pool, conv, LRN, pool, conv, conv, conv, pool",
                 "conv, LRN, max-pool, conv, LRN, max-pool, conv, conv, conv, max-pool", "exact",
                 child_kinds("alexnet", "features")),)),
    Claim("c43", "004", "VGGNet擁有5段卷積,每一段內有2~3個卷積層 … 64 – 128 – 256 – 512 – 512 … "
          "全部使用了3′3的卷積核和2′2的池化核",
          "VGGNet: 5 stages of 2 to 3 convs, widths 64-128-256-512-512, only 3x3 convs and 2x2 pools", (
              _p("2 to 3 convs per stage (VGG-16)", True, "true", stages("vgg16", "convs"), "d"),
              _p("2 to 3 convs per stage (VGG-19)", True, "true", stages("vgg19", "convs"), "e"),
              _p("64-128-256-512-512", "64-128-256-512-512", "exact", stages("vgg16", "widths")),
              _p("3x3 convs, 2x2 pools", "conv 3x3; max-pool 2x2/2", "exact", stages("vgg16", "kernels")),
              _p("3x3 convs, 2x2 pools (VGG-19)", "conv 3x3; max-pool 2x2/2", "exact", stages("vgg19", "kernels")),
          ), why="'2 to 3 per stage' fits VGG-16 ({d}); VGG-19, which the lecture also calls VGGNet, has {e}."),
    Claim("c44", "004", "其中有4個分支:第一個分支對輸入進行1′1的卷積 … 第二個分支先使用了1′1卷積,然后連接3′3卷積 … "
          "最后一個分支則是3′3最大池化后直接使用1′1卷積",
          "the Inception module has 4 branches: 1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max-pool then 1x1", (
              _p("as described", "1x1 | 1x1, 3x3 | 1x1, 5x5 | max-pool 3x3, 1x1", "exact",
                 branch_layout("googlenet", "inception3a")),)),
    Claim("c45", "004", "而Inception V4相比V3主要是結合了微軟的ResNet",
          "Inception V4 differs from V3 mainly by combining it with ResNet", (
              _p("residual connections in Inception-v4", 0, "more", residual_adds("inception_v4"), "v4"),
              _p("Inception-ResNet-v2", None, "info", residual_adds("inception_resnet_v2"), "ir"),
          ), why="Inception-v4 as its paper defines it has {v4}; the residual networks of that paper are "
                 "Inception-ResNet-v1 and -v2 ({ir} in v2)."),
    Claim("c46", "000", "VGG的参数就会是AlexNet的好几倍", "VGG's parameters are several times AlexNet's", (
        _p("several times (2x or more)", 2.0, "several", _params_ratio("vgg16", "alexnet")),)),
    Claim("c47", "000", "Train 5 个epoch就可以达到98.69的精确率 … 30个epochs可达到55% 准确值",
          "LeNet reaches 98.69% on MNIST after 5 epochs; AlexNet 55% on oxflower17 after 30",
          uncheckable="Accuracies after training depend on data, training and chance, not on the architecture alone."),
    Claim("c48", "003", "该结构在2010年取得冠军,top-5错误率为15.3%",
          "this network (AlexNet) won in 2010 with a 15.3% top-5 error", (
              _p("metadata", None, "info", metadata(("alexnet",))),),
          uncheckable="A competition result, not architecture. The zoo's metadata, from the AlexNet paper, puts "
                      "15.3% on the ILSVRC-2012 test set (the winning entry) and 17.0% on ILSVRC-2010."),
]

# The claims about hardware and speed (issue 26), apart: claims/hardware.py; the papers that followed the
# documents (p01 onwards), apart: claims/papers.py. Documents first, then hardware, then the papers' by id;
# the papers' sources (kind "paper") name ShuffleNet V2 for p10-p12 too.
_PAPERS = sorted([*PAPER_CLAIMS, *(c for c in HARDWARE_CLAIMS if c.id.startswith("p"))], key=lambda c: c.id)
CATALOGUE = Catalogue({**SOURCES, **HARDWARE_SOURCES, **PAPER_SOURCES},
                      [*CLAIMS, *(c for c in HARDWARE_CLAIMS if not c.id.startswith("p")), *_PAPERS])
