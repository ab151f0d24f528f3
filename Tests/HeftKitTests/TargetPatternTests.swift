import Testing

@testable import HeftKit

/// compressed-tensors' `re:` targets as Python's `re.match` decides them. Each expected answer was printed by
/// Python 3's `re.match(pattern, name)`, not by the code under test.
@Suite struct TargetPatternTests {
    static let cases: [(pattern: String, name: String, python: Bool)] = [
        (#".*down_proj$"#, "model.layers.0.mlp.down_proj", true),
        (#".*down_proj$"#, "model.layers.0.mlp.down_proj.x", false),
        (#".*down_proj$"#, "down_proj", true),
        (#".*attention.*"#, "encoder.layer.0.attention.self.query", true),
        (#".*attention.*"#, "attention", true),
        (#".*attention.*"#, "encoder.layer.0.output.dense", false),
        (#".*layer\.\d+\.(intermediate|output)\.dense$"#, "encoder.layer.11.intermediate.dense", true),
        (#".*layer\.\d+\.(intermediate|output)\.dense$"#, "encoder.layer.1.attention.output.dense", false),
        (#".*layer\.\d+\.(intermediate|output)\.dense$"#, "encoder.layer.x.output.dense", false),
        (#"model\.layers\.[0-9]+\.self_attn\.(q|k|v)_proj"#, "model.layers.3.self_attn.k_proj", true),
        (#"model\.layers\.[0-9]+\.self_attn\.(q|k|v)_proj"#, "model.layers.3.self_attn.o_proj", false),
        (#"model\.layers\.[0-9]+\.self_attn\.(q|k|v)_proj"#, "xmodel.layers.3.self_attn.q_proj", false),
        (#"lm_head"#, "lm_head", true),
        (#"lm_head"#, "lm_head_extra", true),
        (#"lm_head"#, "model.lm_head", false),
        (#"(?:a|b)+c?$"#, "abba", true),
        (#"(?:a|b)+c?$"#, "abbac", true),
        (#"(?:a|b)+c?$"#, "abbacc", false),
        (#"(?:a|b)+c?$"#, "c", false),
        (#"[^.]+\.weight"#, "a.weight", true),
        (#"[^.]+\.weight"#, ".weight", false),
        (#"[^.]+\.weight"#, "a.b.weight", false),
        (#"(a+)+$"#, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", false),
        (#"(a+)+$"#, "aaaa", true),
        (#"\w+\s?x"#, "ab x", true),
        (#"\w+\s?x"#, "abx", true),
        (#"\w+\s?x"#, "a-x", false),
        (#"a.c"#, "abc", true),
        (#"a.c"#, "a\nc", false),
        (#"a.c"#, "ac", false),
        (#"x*?y"#, "xxy", true),
        (#"x*?y"#, "y", true),
        (#"x*?y"#, "xz", false),
        (#"a|^b"#, "b", true),
        (#"a|^b"#, "ab", true),
        (#"a|^b"#, "cb", false),
        (#"[a\-z]+$"#, "a-z", true),
        (#"[a\-z]+$"#, "abz", false),
    ]

    @Test func matchesAsPythonsReMatch() throws {
        for c in Self.cases {
            let pattern = try #require(TargetPattern(c.pattern), "\(c.pattern)")
            #expect(pattern.matches(c.name) == c.python, "\(c.pattern) on \(c.name)")
        }
    }

    /// `(a+)+$` against thousands of `a`s and a `!` backtracks exponentially in a backtracking engine (Python gives
    /// up after minutes at 30); the NFA reads each byte once per state. Not a timing test: it would simply not end.
    @Test func catastrophicPatternsStayLinear() throws {
        let pattern = try #require(TargetPattern(#"(a+)+$"#))
        #expect(!pattern.matches(String(repeating: "a", count: 5_000) + "!"))
        #expect(pattern.matches(String(repeating: "a", count: 5_000)))
    }

    /// Syntax outside the subset compiles to nil (the target then names no layer) instead of matching wrongly.
    @Test func unsupportedSyntaxIsRefused() {
        for pattern in [#"a{2}"#, #"(a)\1"#, #"(?=a)"#, #"a**"#, #"[z-a]"#, #"(a"#, #"a)"#, #"[abc"#, #"\bword"#] {
            #expect(TargetPattern(pattern) == nil, "\(pattern)")
        }
    }
}
