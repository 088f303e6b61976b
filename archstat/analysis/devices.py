"""Named devices with their datasheet figures: plain data, each number beside the words it was read from.

Every peak is DENSE: a source that quotes a figure "with sparsity" (2:4 structured sparsity, which
skips half the multiplications) has it halved here, and ``Figure.says`` keeps the source's own words
so that a reader (and ``tests/test_speed_devices.py``) can check the halving. Units: FLOP/s (one
fused multiply-add = 2 FLOPs; integer peaks are operations per second), bytes per second, bytes.

Per dtype, ``peaks`` holds what the hardware offers the way PyTorch uses it by default:
- ``fp32``: the vector (CUDA-core) rate; ``tf32``: the tensor-core rate on fp32 data (cuDNN uses it
  for convolutions by default, cuBLAS matrix products only when allowed);
- ``fp16`` / ``bf16``: tensor cores with fp32 accumulation (what PyTorch asks for);
- ``int8``: tensor-core integer operations per second.

``launch_s`` is not a datasheet figure: it is the fixed cost of one operator launched from PyTorch's
eager mode (Python, dispatcher and kernel launch), an assumption stated in docs/speed.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UsageError

T, G = 1e12, 1e9
GIB = 1024**3

H100_WHITEPAPER = "https://resources.nvidia.com/en-us-tensor-core/gtc22-whitepaper-hopper"
H100_DATASHEET = "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet"
H200_PAGE = "https://www.nvidia.com/en-us/data-center/h200/"
A100_DATASHEET = ("https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/"
                  "nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf")
L4_DATASHEET = "https://resources.nvidia.com/en-us-data-center-overview/l4-gpu-datasheet"
ADA_WHITEPAPER = ("https://images.nvidia.com/aem-dam/Solutions/Data-Center/l4/"
                  "nvidia-ada-gpu-architecture-whitepaper-v2.1.pdf")
AMPERE_GA102_WHITEPAPER = ("https://www.nvidia.com/content/PDF/nvidia-ampere-ga-102-gpu-architecture-"
                           "whitepaper-v2.pdf")
T4_DATASHEET = "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/t4-tensor-core-datasheet-951643.pdf"
V100_DATASHEET = "https://images.nvidia.com/content/technologies/volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf"
GTX580_PAGE = "https://www.nvidia.com/en-us/geforce/graphics-cards/geforce-gtx-580/specifications/"


@dataclass(frozen=True)
class Figure:
    """One number: ``value`` in archstat's unit, ``says`` the source's own words, ``source`` its link,
    ``sparse``: the source quotes it with sparsity, so ``value`` is half of what it says."""

    value: float
    says: str
    source: str
    sparse: bool = False


@dataclass(frozen=True)
class Device:
    """A device's roofs: dense peaks by dtype (FLOP/s), memory bandwidth (bytes/s) and size (bytes)."""

    name: str
    title: str
    peaks: dict[str, Figure]
    bandwidth: Figure
    memory: Figure
    kind: str = "gpu"
    launch_s: float = 5e-6
    notes: tuple[str, ...] = field(default=())

    def peak(self, dtype: str, tensor_cores: bool) -> float:
        """FLOP/s for ``dtype``: fp32 on tensor cores means tf32 where the device has it."""
        if dtype == "fp32" and tensor_cores and "tf32" in self.peaks:
            return self.peaks["tf32"].value
        if dtype not in self.peaks:
            raise UsageError(f"--dtype {dtype} has no peak for {self.name} ({self.title}); "
                             f"it has {', '.join(self.peaks)}.")
        return self.peaks[dtype].value


def _tf(value: float, says: str, source: str, sparse: bool = False) -> Figure:
    """A teraFLOP/s figure; ``sparse`` halves the one the source quotes with sparsity."""
    return Figure(value * T / (2 if sparse else 1), says, source, sparse)


def _bw(gb_per_s: float, says: str, source: str) -> Figure:
    return Figure(gb_per_s * G, says, source)


def _gb(gigabytes: float, says: str, source: str, binary: bool = True) -> Figure:
    return Figure(gigabytes * (GIB if binary else G), says, source)


DEVICES: dict[str, Device] = {d.name: d for d in [
    Device("h100-sxm", "NVIDIA H100 SXM5 80 GB", {
        "fp32": _tf(66.9, "Peak FP32 TFLOPS (non-Tensor) 66.9", H100_WHITEPAPER),
        "tf32": _tf(494.7, "Peak TF32 Tensor TFLOPS 494.7 / 989.4 (dense / sparse)", H100_WHITEPAPER),
        "bf16": _tf(989.4, "Peak BF16 Tensor TFLOPS with FP32 Accumulate 989.4 / 1978.9", H100_WHITEPAPER),
        "fp16": _tf(989.4, "Peak FP16 Tensor TFLOPS with FP32 Accumulate 989.4 / 1978.9", H100_WHITEPAPER),
        "int8": _tf(1978.9, "Peak INT8 Tensor TOPS 1978.9 / 3957.8", H100_WHITEPAPER),
    }, _bw(3350, "GPU memory bandwidth 3.35TB/s", H100_DATASHEET), _gb(80, "GPU memory 80GB", H100_DATASHEET)),
    Device("h100-pcie", "NVIDIA H100 PCIe 80 GB", {
        "fp32": _tf(51, "FP32 51 teraFLOPS", H100_DATASHEET),
        "tf32": _tf(756, "TF32 Tensor Core 756 teraFLOPS* (*with sparsity)", H100_DATASHEET, sparse=True),
        "bf16": _tf(1513, "BFLOAT16 Tensor Core 1,513 teraFLOPS*", H100_DATASHEET, sparse=True),
        "fp16": _tf(1513, "FP16 Tensor Core 1,513 teraFLOPS*", H100_DATASHEET, sparse=True),
        "int8": _tf(3026, "INT8 Tensor Core 3,026 TOPS*", H100_DATASHEET, sparse=True),
    }, _bw(2000, "GPU memory bandwidth 2TB/s", H100_DATASHEET), _gb(80, "GPU memory 80GB", H100_DATASHEET)),
    Device("h200", "NVIDIA H200 SXM 141 GB", {
        "fp32": _tf(67, "FP32 67 TFLOPS", H200_PAGE),
        "tf32": _tf(989, "TF32 Tensor Core 989 TFLOPS (with sparsity)", H200_PAGE, sparse=True),
        "bf16": _tf(1979, "BFLOAT16 Tensor Core 1,979 TFLOPS (with sparsity)", H200_PAGE, sparse=True),
        "fp16": _tf(1979, "FP16 Tensor Core 1,979 TFLOPS (with sparsity)", H200_PAGE, sparse=True),
        "int8": _tf(3958, "INT8 Tensor Core 3,958 TOPS (with sparsity)", H200_PAGE, sparse=True),
    }, _bw(4800, "GPU Memory Bandwidth 4.8TB/s", H200_PAGE), _gb(141, "GPU Memory 141GB", H200_PAGE)),
    *[Device(f"a100-{size}gb", f"NVIDIA A100 SXM4 {size} GB", {
        "fp32": _tf(19.5, "FP32 19.5 TFLOPS", A100_DATASHEET),
        "tf32": _tf(156, "Tensor Float 32 (TF32) 156 TFLOPS | 312 TFLOPS*", A100_DATASHEET),
        "bf16": _tf(312, "BFLOAT16 Tensor Core 312 TFLOPS | 624 TFLOPS*", A100_DATASHEET),
        "fp16": _tf(312, "FP16 Tensor Core 312 TFLOPS | 624 TFLOPS*", A100_DATASHEET),
        "int8": _tf(624, "INT8 Tensor Core 624 TOPS | 1248 TOPS*", A100_DATASHEET),
    }, _bw(bandwidth, f"GPU Memory Bandwidth {bandwidth:,} GB/s (SXM, {size}GB)", A100_DATASHEET),
        _gb(size, f"GPU Memory {size}GB HBM2{'e' if size == 80 else ''}", A100_DATASHEET))
      for size, bandwidth in ((40, 1555), (80, 2039))],
    Device("l4", "NVIDIA L4 24 GB", {
        "fp32": _tf(30.3, "FP32 30.3 teraFLOPs", L4_DATASHEET),
        "tf32": _tf(120, "TF32 Tensor Core 120 teraFLOPs* (*with sparsity)", L4_DATASHEET, sparse=True),
        "bf16": _tf(242, "BFLOAT16 Tensor Core 242 teraFLOPs*", L4_DATASHEET, sparse=True),
        "fp16": _tf(242, "FP16 Tensor Core 242 teraFLOPs*", L4_DATASHEET, sparse=True),
        "int8": _tf(485, "INT8 Tensor Core 485 TOPs*", L4_DATASHEET, sparse=True),
    }, _bw(300, "GPU memory bandwidth 300GB/s", L4_DATASHEET), _gb(24, "GPU memory 24GB", L4_DATASHEET)),
    Device("rtx4090", "NVIDIA GeForce RTX 4090", {
        "fp32": _tf(82.6, "Peak FP32 TFLOPS (non-Tensor) 82.6", ADA_WHITEPAPER),
        "tf32": _tf(82.6, "Peak TF32 Tensor TFLOPS 82.6/165.2", ADA_WHITEPAPER),
        "bf16": _tf(165.2, "Peak BF16 Tensor TFLOPS with FP32 Accumulate 165.2/330.4", ADA_WHITEPAPER),
        "fp16": _tf(165.2, "Peak FP16 Tensor TFLOPS with FP32 Accumulate 165.2/330.4", ADA_WHITEPAPER),
        "int8": _tf(660.6, "Peak INT8 Tensor TOPS 660.6/1321.2", ADA_WHITEPAPER),
    }, _bw(1008, "Memory Bandwidth 1008 GB/sec", ADA_WHITEPAPER), _gb(24, "Frame Buffer Memory 24 GB GDDR6X",
                                                                         ADA_WHITEPAPER)),
    Device("rtx3090", "NVIDIA GeForce RTX 3090", {
        "fp32": _tf(35.6, "Peak FP32 TFLOPS (non-Tensor) 35.6", AMPERE_GA102_WHITEPAPER),
        "tf32": _tf(35.6, "Peak TF32 Tensor TFLOPS 35.6/71", AMPERE_GA102_WHITEPAPER),
        "bf16": _tf(71, "Peak BF16 Tensor TFLOPS with FP32 Accumulate 71/142", AMPERE_GA102_WHITEPAPER),
        "fp16": _tf(71, "Peak FP16 Tensor TFLOPS with FP32 Accumulate 71/142", AMPERE_GA102_WHITEPAPER),
        "int8": _tf(284, "Peak INT8 Tensor TOPS 284/568", AMPERE_GA102_WHITEPAPER),
    }, _bw(936, "Memory Bandwidth 936 GB/sec", AMPERE_GA102_WHITEPAPER),
        _gb(24, "Frame Buffer Memory 24 GB GDDR6X", AMPERE_GA102_WHITEPAPER)),
    Device("t4", "NVIDIA T4 16 GB", {
        "fp32": _tf(8.1, "Single-Precision 8.1 TFLOPS", T4_DATASHEET),
        "fp16": _tf(65, "Mixed-Precision (FP16/FP32) 65 TFLOPS", T4_DATASHEET),
        "int8": _tf(130, "INT8 130 TOPS", T4_DATASHEET),
    }, _bw(320, "GPU Memory Bandwidth 320+ GB/s", T4_DATASHEET), _gb(16, "GPU Memory 16 GB GDDR6", T4_DATASHEET),
        notes=("no bf16 or tf32 on Turing: bf16 runs are predicted at the fp32 rate",)),
    Device("v100", "NVIDIA V100 SXM2 32 GB", {
        "fp32": _tf(15.7, "Single-Precision 15.7 TFLOPS (SXM2)", V100_DATASHEET),
        "fp16": _tf(125, "Tensor Performance 125 TFLOPS (SXM2)", V100_DATASHEET),
    }, _bw(900, "Memory Bandwidth 900 GB/sec", V100_DATASHEET), _gb(32, "Capacity 32/16 GB HBM2", V100_DATASHEET),
        notes=("no bf16 or tf32 on Volta",)),
    Device("gtx580", "NVIDIA GeForce GTX 580 (3 GB board)", {
        "fp32": Figure(512 * 2 * 1.544e9, "CUDA Cores 512; Processor Clock 1544 MHz (x 2 FLOPs per fused "
                       "multiply-add: 1581 GFLOP/s)", GTX580_PAGE),
    }, _bw(192.4, "Memory Bandwidth (GB/sec) 192.4", GTX580_PAGE),
        _gb(3, "3 GB: the partners' board AlexNet was trained on; NVIDIA's standard config is 1536 MB GDDR5",
            GTX580_PAGE),
        launch_s=10e-6, notes=("Fermi: no tensor cores; fp16 and bf16 are not native",)),
]}


def device_names() -> list[str]:
    return list(DEVICES)


def get_device(name: str) -> Device:
    """The named device, or a ``UsageError`` that lists the names."""
    key = name.lower().replace("_", "-")
    if key not in DEVICES:
        raise UsageError(f"--device {name!r} is not cpu, cuda or a device in the table: {', '.join(DEVICES)}.")
    return DEVICES[key]
