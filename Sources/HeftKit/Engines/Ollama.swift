/// Ollama's settings (`OLLAMA_*` variables, Modelfile and API options) that change what its llama-server allocates.
///
/// Ollama (0.30 and later) serves every GGUF model through llama.cpp's llama-server, launched with
/// `-c num_ctx × OLLAMA_NUM_PARALLEL -np OLLAMA_NUM_PARALLEL -b num_batch -ub num_batch`, `--cache-type-k/v
/// OLLAMA_KV_CACHE_TYPE` and `--flash-attn` from `OLLAMA_FLASH_ATTENTION` (auto by default); llama.cpp's rules
/// then decide the buffers (ollama `llm/llama_server.go`, `server/routes.go`, `server/sched.go`).
public struct OllamaSettings: Sendable, Hashable {
    /// `num_batch` (API option); `nil` lets the scheduler choose by context.
    public var numBatch: Int?
    /// `OLLAMA_GPU_OVERHEAD` in bytes per GPU, taken from VRAM before the default context is chosen.
    public var gpuOverheadBytes = 0

    public init() {}

    /// The default `num_ctx` when neither the request, the Modelfile nor `OLLAMA_CONTEXT_LENGTH` sets one: by the
    /// total memory of all GPUs less `OLLAMA_GPU_OVERHEAD` each — 262,144 from 47 GiB, 32,768 from 23 GiB, else
    /// 4,096 (and 4,096 without a GPU).
    public func defaultContext(hardware: HardwareSelection?) -> Int {
        guard let hardware else { return 4096 }
        let total = (hardware.hardware.memoryBytes - gpuOverheadBytes) * hardware.count
        if total >= 47 << 30 { return 262_144 }
        if total >= 23 << 30 { return 32_768 }
        return 4096
    }

    /// The scheduler's `num_batch` when none is set: 2,048 past 32,768 cells, 1,024 past 4,096, else 512 (it steps
    /// down again when the larger batch would not leave VRAM to spare).
    public static func scheduledBatch(contextCells: Int) -> Int {
        contextCells > 32_768 ? 2048 : contextCells > 4096 ? 1024 : 512
    }
}
