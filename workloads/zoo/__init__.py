"""The zoo: real networks with their published layer shapes, by name.

Each entry of :data:`ZOO` is the import path of a zero-argument builder, resolved
lazily by :func:`workloads.registry.load_workload`, so listing the zoo imports no
network. This package imports nothing of the registry (imports point one way).
"""

ZOO: dict[str, str] = {
    "alexnet": "workloads.zoo.alexnet:alexnet",
    "vgg16": "workloads.zoo.vgg:vgg16",
    "resnet18": "workloads.zoo.resnet:resnet18",
    "resnet50": "workloads.zoo.resnet:resnet50",
    "mobilenet_v1": "workloads.zoo.mobilenet:mobilenet_v1",
    "mobilenet_v2": "workloads.zoo.mobilenet:mobilenet_v2",
    "mobilenet_v3_large": "workloads.zoo.mobilenet:mobilenet_v3_large",
    "efficientnet_b0": "workloads.zoo.efficientnet:efficientnet_b0",
    "yolo_tiny": "workloads.zoo.yolo:yolov3_tiny",
    "transformer_encoder": "workloads.zoo.transformer:transformer_encoder",
    "bert_base": "workloads.zoo.transformer:bert_base",
    "bert_base_512": "workloads.zoo.transformer:bert_base_512",
    "vit_b16": "workloads.zoo.transformer:vit_b16",
    "gpt2_prefill": "workloads.zoo.transformer:gpt2_prefill",
    "gpt2_decode": "workloads.zoo.transformer:gpt2_decode",
}
"""Zoo name -> import path of a zero-argument builder returning a Workload."""
