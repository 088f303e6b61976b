"""The zoo's listing facts as literals, one row of ``zoo_catalogue.ZooEntry``'s fields per registered model.

Generated from the registry by ``python -m archstat.models.catalogue --write``; do not edit by hand. Read it through
``archstat.zoo_catalogue``, which makes each row a ``ZooEntry``.
"""

from typing import Any

# In natural order of name, as list_models() sorts them.
ROWS: tuple[dict[str, Any], ...] = (
    dict(
        name='alexnet', family='AlexNet', year=2012,
        input_size=(3, 227, 227), min_input=227, variant_of=None,
        paper='ImageNet Classification with Deep Convolutional Neural Networks',
    ),
    dict(
        name='alexnet_owt', family='AlexNet', year=2014,
        input_size=(3, 224, 224), min_input=63, variant_of=None,
        paper='One weird trick for parallelizing convolutional neural networks',
    ),
    dict(
        name='convnext_tiny', family='ConvNeXt', year=2022,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='A ConvNet for the 2020s',
    ),
    dict(
        name='densenet121', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    dict(
        name='densenet161', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    dict(
        name='densenet169', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    dict(
        name='densenet201', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    dict(
        name='densenet264', family='DenseNet', year=2016,
        input_size=(3, 224, 224), min_input=29, variant_of=None,
        paper='Densely Connected Convolutional Networks',
    ),
    dict(
        name='efficientnet_b0', family='EfficientNet', year=2019,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='efficientnet_b1', family='EfficientNet', year=2019,
        input_size=(3, 240, 240), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='efficientnet_b2', family='EfficientNet', year=2019,
        input_size=(3, 260, 260), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='efficientnet_b3', family='EfficientNet', year=2019,
        input_size=(3, 300, 300), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='efficientnet_b4', family='EfficientNet', year=2019,
        input_size=(3, 380, 380), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='efficientnet_b5', family='EfficientNet', year=2019,
        input_size=(3, 456, 456), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='efficientnet_b6', family='EfficientNet', year=2019,
        input_size=(3, 528, 528), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='efficientnet_b7', family='EfficientNet', year=2019,
        input_size=(3, 600, 600), min_input=1, variant_of=None,
        paper='EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
    ),
    dict(
        name='googlenet', family='Inception', year=2014,
        input_size=(3, 224, 224), min_input=31, variant_of=None,
        paper='Going Deeper with Convolutions',
    ),
    dict(
        name='googlenet_tv', family='Inception', year=2014,
        input_size=(3, 224, 224), min_input=15, variant_of='googlenet',
        paper='Going Deeper with Convolutions',
    ),
    dict(
        name='inception_resnet_v2', family='Inception', year=2016,
        input_size=(3, 299, 299), min_input=75, variant_of=None,
        paper='Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning',
    ),
    dict(
        name='inception_resnet_v2_tf', family='Inception', year=2016,
        input_size=(3, 299, 299), min_input=75, variant_of='inception_resnet_v2',
        paper='Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning',
    ),
    dict(
        name='inception_v2', family='Inception', year=2015,
        input_size=(3, 224, 224), min_input=7, variant_of=None,
        paper='Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift',
    ),
    dict(
        name='inception_v3', family='Inception', year=2015,
        input_size=(3, 299, 299), min_input=75, variant_of=None,
        paper='Rethinking the Inception Architecture for Computer Vision',
    ),
    dict(
        name='inception_v4', family='Inception', year=2016,
        input_size=(3, 299, 299), min_input=75, variant_of=None,
        paper='Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning',
    ),
    dict(
        name='lenet5', family='LeNet', year=1998,
        input_size=(1, 32, 32), min_input=32, variant_of=None,
        paper='Gradient-Based Learning Applied to Document Recognition',
    ),
    dict(
        name='mobilenet_v1', family='MobileNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications',
    ),
    dict(
        name='mobilenet_v1_0_5', family='MobileNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications',
    ),
    dict(
        name='mobilenet_v1_0_25', family='MobileNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications',
    ),
    dict(
        name='mobilenet_v1_0_75', family='MobileNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications',
    ),
    dict(
        name='mobilenet_v2', family='MobileNet', year=2018,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='MobileNetV2: Inverted Residuals and Linear Bottlenecks',
    ),
    dict(
        name='mobilenet_v2_1_4', family='MobileNet', year=2018,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='MobileNetV2: Inverted Residuals and Linear Bottlenecks',
    ),
    dict(
        name='mobilenet_v3_large', family='MobileNet', year=2019,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Searching for MobileNetV3',
    ),
    dict(
        name='mobilenet_v3_small', family='MobileNet', year=2019,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Searching for MobileNetV3',
    ),
    dict(
        name='nin', family='NIN', year=2013,
        input_size=(3, 224, 224), min_input=39, variant_of=None,
        paper='Network In Network',
    ),
    dict(
        name='preact_resnet18', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='preact_resnet34', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='preact_resnet50', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='preact_resnet101', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='preact_resnet152', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='preact_resnet164', family='ResNet v2 (CIFAR, pre-activation)', year=2016,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='preact_resnet200', family='ResNet v2 (pre-activation)', year=2016,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='preact_resnet1001', family='ResNet v2 (CIFAR, pre-activation)', year=2016,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Identity Mappings in Deep Residual Networks',
    ),
    dict(
        name='resnet18', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet20', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet32', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet34', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet44', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet50', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet50_v1_5', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet56', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet101', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet101_v1_5', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet110', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet152', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet152_v1_5', family='ResNet', year=2015,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnet1202', family='ResNet (CIFAR)', year=2015,
        input_size=(3, 32, 32), min_input=1, variant_of=None,
        paper='Deep Residual Learning for Image Recognition',
    ),
    dict(
        name='resnext50_32x4d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    dict(
        name='resnext101_32x4d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    dict(
        name='resnext101_32x8d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    dict(
        name='resnext101_64x4d', family='ResNeXt', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Aggregated Residual Transformations for Deep Neural Networks',
    ),
    dict(
        name='se_resnet50', family='SENet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Squeeze-and-Excitation Networks',
    ),
    dict(
        name='se_resnext50_32x4d', family='SENet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='Squeeze-and-Excitation Networks',
    ),
    dict(
        name='shufflenet_v1', family='ShuffleNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices',
    ),
    dict(
        name='shufflenet_v1_g1', family='ShuffleNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices',
    ),
    dict(
        name='shufflenet_v1_g2', family='ShuffleNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices',
    ),
    dict(
        name='shufflenet_v1_g4', family='ShuffleNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices',
    ),
    dict(
        name='shufflenet_v1_g8', family='ShuffleNet', year=2017,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices',
    ),
    dict(
        name='shufflenet_v2_x0_5', family='ShuffleNet', year=2018,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design',
    ),
    dict(
        name='shufflenet_v2_x1_0', family='ShuffleNet', year=2018,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design',
    ),
    dict(
        name='shufflenet_v2_x1_5', family='ShuffleNet', year=2018,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design',
    ),
    dict(
        name='shufflenet_v2_x2_0', family='ShuffleNet', year=2018,
        input_size=(3, 224, 224), min_input=1, variant_of=None,
        paper='ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design',
    ),
    dict(
        name='squeezenet1_0', family='SqueezeNet', year=2016,
        input_size=(3, 224, 224), min_input=21, variant_of=None,
        paper='SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size',
    ),
    dict(
        name='squeezenet1_1', family='SqueezeNet', year=2016,
        input_size=(3, 224, 224), min_input=17, variant_of=None,
        paper='SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size',
    ),
    dict(
        name='vgg11', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg11_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg11_lrn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg13', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg13_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg16', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg16_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg16c', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg19', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='vgg19_bn', family='VGG', year=2014,
        input_size=(3, 224, 224), min_input=32, variant_of=None,
        paper='Very Deep Convolutional Networks for Large-Scale Image Recognition',
    ),
    dict(
        name='xception', family='Xception', year=2017,
        input_size=(3, 299, 299), min_input=7, variant_of=None,
        paper='Xception: Deep Learning with Depthwise Separable Convolutions',
    ),
)
