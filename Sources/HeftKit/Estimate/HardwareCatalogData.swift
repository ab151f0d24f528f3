/// The hardware catalog as data: one JSON document, parsed once by ``HardwareCatalog``.
///
/// Memory is the nominal capacity in GiB (HBM stacks are binary-sized; "80 GB" H100 = 80 GiB). Bandwidth is
/// bytes per second. Compute is peak dense tensor throughput in TFLOPS (TOPS for int8), without structured
/// sparsity, from each vendor's datasheet; `usable` is the fraction of memory a single process can use
/// (Apple GPUs get about 75 % of unified memory by default). Edit the data, not the code.
let hardwareCatalogJSON = #"""
    [
     {"id": "h100-sxm", "name": "NVIDIA H100 SXM 80GB", "memoryGiB": 80, "bandwidth": 3.35e12,
      "tflops": {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4, "fp16": 989.4, "fp8": 1978.9, "int8": 1978.9},
      "source": "NVIDIA H100 Tensor Core GPU datasheet (SXM5; dense figures are half the sparsity figures)"},
     {"id": "h100-pcie", "name": "NVIDIA H100 PCIe 80GB", "memoryGiB": 80, "bandwidth": 2.0e12,
      "tflops": {"fp32": 51.2, "tf32": 378, "bf16": 756.5, "fp16": 756.5, "fp8": 1513, "int8": 1513},
      "source": "NVIDIA H100 Tensor Core GPU datasheet (PCIe)"},
     {"id": "h200", "name": "NVIDIA H200 SXM 141GB", "memoryGiB": 141, "bandwidth": 4.8e12,
      "tflops": {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4, "fp16": 989.4, "fp8": 1978.9, "int8": 1978.9},
      "source": "NVIDIA H200 Tensor Core GPU datasheet (SXM)"},
     {"id": "a100-40gb", "name": "NVIDIA A100 SXM 40GB", "memoryGiB": 40, "bandwidth": 1.555e12,
      "tflops": {"fp32": 19.5, "tf32": 156, "bf16": 312, "fp16": 312, "int8": 624},
      "source": "NVIDIA A100 Tensor Core GPU datasheet (40GB SXM)"},
     {"id": "a100-80gb", "name": "NVIDIA A100 SXM 80GB", "memoryGiB": 80, "bandwidth": 2.039e12,
      "tflops": {"fp32": 19.5, "tf32": 156, "bf16": 312, "fp16": 312, "int8": 624},
      "source": "NVIDIA A100 Tensor Core GPU datasheet (80GB SXM)"},
     {"id": "l4", "name": "NVIDIA L4 24GB", "memoryGiB": 24, "bandwidth": 3.0e11,
      "tflops": {"fp32": 30.3, "tf32": 60, "bf16": 121, "fp16": 121, "fp8": 242.5, "int8": 242.5},
      "source": "NVIDIA L4 Tensor Core GPU datasheet"},
     {"id": "l40s", "name": "NVIDIA L40S 48GB", "memoryGiB": 48, "bandwidth": 8.64e11,
      "tflops": {"fp32": 91.6, "tf32": 183, "bf16": 362.05, "fp16": 362.05, "fp8": 733, "int8": 733},
      "source": "NVIDIA L40S GPU datasheet"},
     {"id": "t4", "name": "NVIDIA T4 16GB", "memoryGiB": 16, "bandwidth": 3.2e11,
      "tflops": {"fp32": 8.1, "fp16": 65, "int8": 130},
      "source": "NVIDIA T4 Tensor Core GPU datasheet (no bf16 or fp8 support)"},
     {"id": "rtx-3090", "name": "NVIDIA GeForce RTX 3090 24GB", "memoryGiB": 24, "bandwidth": 9.36e11,
      "tflops": {"fp32": 35.6, "bf16": 71, "fp16": 71, "int8": 284},
      "source": "NVIDIA Ampere GA102 GPU architecture whitepaper (tensor FP16 with FP32 accumulate, dense)"},
     {"id": "rtx-4090", "name": "NVIDIA GeForce RTX 4090 24GB", "memoryGiB": 24, "bandwidth": 1.008e12,
      "tflops": {"fp32": 82.6, "bf16": 165.2, "fp16": 165.2, "fp8": 330.3, "int8": 660.6},
      "source": "NVIDIA Ada Lovelace GPU architecture whitepaper (tensor FP16 with FP32 accumulate, dense)"},
     {"id": "rtx-5090", "name": "NVIDIA GeForce RTX 5090 32GB", "memoryGiB": 32, "bandwidth": 1.792e12,
      "tflops": {"fp32": 104.8, "bf16": 209.5, "fp16": 209.5, "fp8": 419, "int8": 838},
      "source": "NVIDIA RTX Blackwell GPU architecture whitepaper (tensor FP16 with FP32 accumulate, dense)"},
     {"id": "mi300x", "name": "AMD Instinct MI300X 192GB", "memoryGiB": 192, "bandwidth": 5.3e12,
      "tflops": {"fp32": 163.4, "tf32": 653.7, "bf16": 1307.4, "fp16": 1307.4, "fp8": 2614.9, "int8": 2614.9},
      "source": "AMD Instinct MI300X accelerator data sheet"},
     {"id": "m2-ultra", "name": "Apple M2 Ultra (76-core GPU, 192GB unified)", "memoryGiB": 192, "usable": 0.75, "bandwidth": 8.0e11,
      "tflops": {"fp32": 27.2, "fp16": 27.2, "bf16": 27.2},
      "source": "Apple M2 Ultra press release (800 GB/s); GPU FP32 rate from 76 cores × 128 ALUs × 2 × 1.398 GHz"},
     {"id": "m3-max", "name": "Apple M3 Max (40-core GPU, 128GB unified)", "memoryGiB": 128, "usable": 0.75, "bandwidth": 4.0e11,
      "tflops": {"fp32": 16.4, "fp16": 16.4, "bf16": 16.4},
      "source": "Apple M3 Max product page (400 GB/s); GPU FP32 rate from 40 cores × 128 ALUs × 2 × 1.6 GHz"},
     {"id": "m4-max", "name": "Apple M4 Max (40-core GPU, 128GB unified)", "memoryGiB": 128, "usable": 0.75, "bandwidth": 5.46e11,
      "tflops": {"fp32": 18.4, "fp16": 18.4, "bf16": 18.4},
      "source": "Apple M4 Max product page (546 GB/s); GPU FP32 rate from 40 cores × 128 ALUs × 2 × 1.8 GHz"},
     {"id": "cpu-server", "name": "Generic 2-socket CPU server (DDR5, 512GB)", "memoryGiB": 512, "bandwidth": 4.6e11,
      "tflops": {"fp32": 8, "bf16": 16, "fp16": 16, "int8": 32},
      "source": "Assumption: 2 × 64 cores with AVX-512, 16 DDR5-4800 channels at about 75 % of their 614 GB/s peak"}
    ]
    """#
