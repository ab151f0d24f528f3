extension Evidence {
    /// Short names for the published pairs people ask for most, beside their ids. Labelled as published: the
    /// common "Llama 70B→8B" is not a published Minitron pair, so it has no name here.
    public static let pairAliases: [(alias: String, id: String)] = [
        ("distilbert", "distilbert-base-uncased"), ("distilroberta", "distilroberta-base"), ("tinybert", "tinybert-4l-312d"),
        ("minilm", "minilm-l6-h384"), ("mobilebert", "mobilebert"), ("minitron-8b", "minitron-8b-from-nemotron4-15b"),
        ("minitron-4b", "minitron-4b-from-nemotron4-15b"), ("llama-minitron-4b", "llama-3.1-minitron-4b-width"),
        ("nemo-minitron-8b", "mistral-nemo-minitron-8b"), ("sheared-llama", "sheared-llama-2.7b"), ("llama-3.2-1b", "llama-3.2-1b"),
        ("llama-3.2-3b", "llama-3.2-3b"), ("r1-distill-qwen-7b", "deepseek-r1-distill-qwen-7b"),
    ]

    /// The published pair with this id or short name.
    public static func pair(named name: String) -> DistillationPair? {
        let id = pairAliases.first { $0.alias == name }?.id ?? name
        return pairs.first { $0.id == id }
    }
}
