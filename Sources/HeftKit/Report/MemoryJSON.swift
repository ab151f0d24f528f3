/// The JSON document: the first context's numbers at the top level (the documented flat fields), every context
/// in `estimates`.
public struct MemoryJSON: Encodable, Sendable {
    let estimate: MemoryEstimate

    public init(_ estimate: MemoryEstimate) { self.estimate = estimate }

    enum Key: String, CodingKey {
        case model, engine, fileBytes, buffers, comparison, sweep, attentionVariants, llamaCpp, vllm, parameters, activeParameters, weights,
            kvCacheType, layout, mode,
            estimates, formulas, assumptions, warnings
        case context, weightsBytes, kvCacheBytes, kvCacheBytesPerToken, activationBytes, overheadBytes, totalBytes
        case gradientsBytes, optimizerBytes, masterWeightsBytes, trainableParameters, fits, maxContext, maxContextLimit, maxBatch, offloadLayers
        case prefillTokensPerSecond, decodeTokensPerSecond, timeToFirstTokenSeconds, interTokenLatencySeconds, flopsPerToken
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        let e = estimate
        try c.encode(e.model, forKey: .model)
        try c.encode(e.engine, forKey: .engine)
        try c.encode(e.fileBytes, forKey: .fileBytes)
        try c.encode(e.parameters, forKey: .parameters)
        try c.encode(e.activeParameters, forKey: .activeParameters)
        try c.encode(e.weights, forKey: .weights)
        try c.encode(e.kvCacheType, forKey: .kvCacheType)
        try c.encode(e.layout.description, forKey: .layout)
        try c.encode(e.mode, forKey: .mode)
        try c.encode(e.estimates, forKey: .estimates)
        try c.encode(e.formulas, forKey: .formulas)
        try c.encode(e.assumptions, forKey: .assumptions)
        try c.encode(e.warnings, forKey: .warnings)
        try c.encode(e.flopsPerToken, forKey: .flopsPerToken)
        if let sweep = e.sweep { try c.encode(sweep, forKey: .sweep) }
        if !e.attentionVariants.isEmpty { try c.encode(e.attentionVariants, forKey: .attentionVariants) }
        guard let first = e.estimates.first else { return }
        try c.encode(first.context, forKey: .context)
        if let buffers = first.buffers { try c.encode(buffers, forKey: .buffers) }
        if let llamaCpp = first.llamaCpp { try c.encode(llamaCpp, forKey: .llamaCpp) }
        if let vllm = first.vllm { try c.encode(vllm, forKey: .vllm) }
        if let comparison = e.comparison { try c.encode(comparison, forKey: .comparison) }
        try c.encode(first.weightsBytes, forKey: .weightsBytes)
        try c.encode(first.kvCacheBytes, forKey: .kvCacheBytes)
        try c.encode(first.kvCacheBytesPerToken, forKey: .kvCacheBytesPerToken)
        try c.encode(first.activationBytes, forKey: .activationBytes)
        try c.encode(first.overheadBytes, forKey: .overheadBytes)
        try c.encode(first.totalBytes, forKey: .totalBytes)
        if e.mode == .training {
            try c.encode(first.gradientsBytes, forKey: .gradientsBytes)
            try c.encode(first.optimizerBytes, forKey: .optimizerBytes)
            try c.encode(first.masterWeightsBytes, forKey: .masterWeightsBytes)
            try c.encode(first.trainableParameters, forKey: .trainableParameters)
        }
        if let fit = first.fit {
            try c.encode(fit.fits, forKey: .fits)
            try c.encode(fit.maxContext, forKey: .maxContext)
            try c.encode(fit.maxContextLimit, forKey: .maxContextLimit)
            try c.encode(fit.maxBatch, forKey: .maxBatch)
            try c.encode(fit.offloadLayers, forKey: .offloadLayers)
        }
        if let speed = first.speed {
            try c.encode(speed.prefillTokensPerSecond, forKey: .prefillTokensPerSecond)
            try c.encode(speed.decodeTokensPerSecond, forKey: .decodeTokensPerSecond)
            try c.encode(speed.timeToFirstTokenSeconds, forKey: .timeToFirstTokenSeconds)
            try c.encode(speed.interTokenLatencySeconds, forKey: .interTokenLatencySeconds)
        }
    }
}
