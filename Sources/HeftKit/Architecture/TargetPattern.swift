/// A regular expression from a quantization config's `re:` target (compressed-tensors), matched as Python's
/// `re.match` does — anchored at the name's start, not its end — in time linear in the name and the pattern: a
/// Thompson NFA stepped over the name's bytes, so that a config cannot make Heft backtrack for hours
/// (`(a+)+$` against thirty `a`s and a `!`).
///
/// The subset real configs use: literals, `.`, classes (`[a-z_]`, `[^.]`, `\d`, `\w`, `\s` inside or out),
/// escapes, groups (`(…)`, `(?:…)`), `|`, `*`, `+`, `?` (and their lazy forms, which match the same names), `^`
/// the start and `$` at the end (anywhere, as assertions). Names are compared byte by byte (module names are ASCII).
/// A pattern with anything else (counted repeats, back-references, look-arounds)
/// compiles to nil and matches no name.
struct TargetPattern: Sendable {
    /// A set of bytes.
    struct ByteSet: Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        func contains(_ b: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(b & 63)
            switch b >> 6 {
            case 0: return words.0 & bit != 0
            case 1: return words.1 & bit != 0
            case 2: return words.2 & bit != 0
            default: return words.3 & bit != 0
            }
        }

        mutating func insert(_ b: UInt8) {
            let bit = UInt64(1) << UInt64(b & 63)
            switch b >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) { for b in range { insert(b) } }

        func inverted() -> ByteSet { ByteSet(words: (~words.0, ~words.1, ~words.2, ~words.3)) }

        static func escape(_ c: UInt8) -> ByteSet? {
            var set = ByteSet()
            switch c {
            case UInt8(ascii: "d"): set.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
            case UInt8(ascii: "w"):
                set.insert(UInt8(ascii: "a")...UInt8(ascii: "z"))
                set.insert(UInt8(ascii: "A")...UInt8(ascii: "Z"))
                set.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
                set.insert(UInt8(ascii: "_"))
            case UInt8(ascii: "s"): for b in [9, 10, 11, 12, 13, 32] as [UInt8] { set.insert(b) }
            case UInt8(ascii: "D"), UInt8(ascii: "W"), UInt8(ascii: "S"): return escape(c + 32)?.inverted()
            default:
                // Letters and digits escape to classes, references or anchors this subset does not have.
                if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { return nil }
                set.insert(c)
            }
            return set
        }
    }

    enum Instruction: Sendable {
        case byte(ByteSet)
        case split(Int, Int)
        case jump(Int)
        /// `$`: passes only at the end of the name.
        case end
        /// `^`: passes only at its start.
        case begin
        case match
    }

    let program: [Instruction]

    /// Compiles `pattern`; nil for syntax outside the subset, or a pattern longer than 1,000 bytes.
    init?(_ pattern: String) {
        let bytes = Array(pattern.utf8)
        guard bytes.count <= 1000 else { return nil }
        var parser = Parser(bytes: bytes)
        guard let node = parser.alternation(), parser.at == bytes.count else { return nil }
        var program: [Instruction] = []
        Self.emit(node, into: &program)
        program.append(.match)
        self.program = program
    }

    /// Whether the pattern matches a prefix of `name`.
    func matches(_ name: String) -> Bool {
        let input = Array(name.utf8)
        var current: [Int] = [], next: [Int] = []
        var seen = [Int](repeating: -1, count: program.count)
        // Adds `pc` and everything reachable from it without reading a byte; true once `match` is reached.
        func add(_ pc: Int, _ list: inout [Int], _ position: Int, _ mark: Int) -> Bool {
            var stack = [pc]
            while let p = stack.popLast() {
                guard seen[p] != mark else { continue }
                seen[p] = mark
                switch program[p] {
                case .byte: list.append(p)
                case .split(let a, let b): stack += [b, a]
                case .jump(let a): stack.append(a)
                case .end: if position == input.count { stack.append(p + 1) }
                case .begin: if position == 0 { stack.append(p + 1) }
                case .match: return true
                }
            }
            return false
        }
        if add(0, &current, 0, 0) { return true }
        for (i, b) in input.enumerated() {
            next.removeAll(keepingCapacity: true)
            for pc in current {
                if case .byte(let set) = program[pc], set.contains(b), add(pc + 1, &next, i + 1, i + 1) { return true }
            }
            if next.isEmpty { return false }
            swap(&current, &next)
        }
        return false
    }

    indirect enum Node {
        case set(ByteSet)
        case sequence([Node])
        case either([Node])
        case star(Node)
        case plus(Node)
        case optional(Node)
        case end
        case begin
    }

    static func emit(_ node: Node, into p: inout [Instruction]) {
        switch node {
        case .set(let s): p.append(.byte(s))
        case .end: p.append(.end)
        case .begin: p.append(.begin)
        case .sequence(let nodes): for n in nodes { emit(n, into: &p) }
        case .either(let nodes):
            // split L1, next; L1: first; jump end; next: split L2, … ; the last branch falls through.
            var jumps: [Int] = []
            for (k, n) in nodes.enumerated() {
                if k < nodes.count - 1 {
                    let split = p.count
                    p.append(.split(split + 1, 0))
                    emit(n, into: &p)
                    jumps.append(p.count)
                    p.append(.jump(0))
                    p[split] = .split(split + 1, p.count)
                } else {
                    emit(n, into: &p)
                }
            }
            for j in jumps { p[j] = .jump(p.count) }
        case .star(let n):
            let split = p.count
            p.append(.split(split + 1, 0))
            emit(n, into: &p)
            p.append(.jump(split))
            p[split] = .split(split + 1, p.count)
        case .plus(let n):
            let start = p.count
            emit(n, into: &p)
            p.append(.split(start, p.count + 1))
        case .optional(let n):
            let split = p.count
            p.append(.split(split + 1, 0))
            emit(n, into: &p)
            p[split] = .split(split + 1, p.count)
        }
    }

    struct Parser {
        let bytes: [UInt8]
        var at = 0

        var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func alternation() -> Node? {
            var branches: [Node] = []
            while true {
                guard let branch = sequence() else { return nil }
                branches.append(branch)
                guard peek == UInt8(ascii: "|") else { break }
                at += 1
            }
            return branches.count == 1 ? branches[0] : .either(branches)
        }

        mutating func sequence() -> Node? {
            var nodes: [Node] = []
            while let c = peek, c != UInt8(ascii: "|"), c != UInt8(ascii: ")") {
                guard var node = atom() else { return nil }
                while let q = peek, q == UInt8(ascii: "*") || q == UInt8(ascii: "+") || q == UInt8(ascii: "?") {
                    at += 1
                    switch node {
                    case .end, .begin: return nil  // a repeated anchor
                    default: break
                    }
                    node = q == UInt8(ascii: "*") ? .star(node) : q == UInt8(ascii: "+") ? .plus(node) : .optional(node)
                    if peek == UInt8(ascii: "?") { at += 1 }  // lazy: the same names match
                    if let r = peek, r == UInt8(ascii: "*") || r == UInt8(ascii: "+") || r == UInt8(ascii: "?") { return nil }
                }
                nodes.append(node)
            }
            return .sequence(nodes)
        }

        mutating func atom() -> Node? {
            guard let c = peek else { return nil }
            at += 1
            switch c {
            case UInt8(ascii: "("):
                if peek == UInt8(ascii: "?") {
                    guard at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: ":") else { return nil }
                    at += 2
                }
                guard let inner = alternation(), peek == UInt8(ascii: ")") else { return nil }
                at += 1
                return inner
            case UInt8(ascii: "["): return characterClass()
            case UInt8(ascii: "."): return .set(ByteSet().inverted().removing(10))
            case UInt8(ascii: "\\"):
                guard let e = peek, let set = ByteSet.escape(e) else { return nil }
                at += 1
                return .set(set)
            case UInt8(ascii: "^"): return .begin
            case UInt8(ascii: "$"): return .end
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                return nil
            default:
                var set = ByteSet()
                set.insert(c)
                return .set(set)
            }
        }

        mutating func characterClass() -> Node? {
            var set = ByteSet()
            let negated = peek == UInt8(ascii: "^")
            if negated { at += 1 }
            var first = true
            while let c = peek, c != UInt8(ascii: "]") || first {
                first = false
                at += 1
                var low = c
                if c == UInt8(ascii: "\\") {
                    guard let e = peek, let escaped = ByteSet.escape(e) else { return nil }
                    at += 1
                    if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(e | 0x20) {  // \d, \w, \s and their inverses
                        set = set.union(escaped)
                        continue
                    }
                    low = e
                }
                if peek == UInt8(ascii: "-"), at + 1 < bytes.count, bytes[at + 1] != UInt8(ascii: "]") {
                    at += 1
                    var high = bytes[at]
                    at += 1
                    if high == UInt8(ascii: "\\") {
                        guard let e = peek, ByteSet.escape(e) != nil, !(UInt8(ascii: "a")...UInt8(ascii: "z")).contains(e | 0x20) else { return nil }
                        high = e
                        at += 1
                    }
                    guard low <= high else { return nil }
                    set.insert(low...high)
                } else {
                    set.insert(low)
                }
            }
            guard peek == UInt8(ascii: "]") else { return nil }
            at += 1
            return .set(negated ? set.inverted() : set)
        }
    }
}

extension TargetPattern.ByteSet {
    func union(_ other: Self) -> Self {
        Self(words: (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3))
    }

    func removing(_ b: UInt8) -> Self {
        var copy = self
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: copy.words.0 &= ~bit
        case 1: copy.words.1 &= ~bit
        case 2: copy.words.2 &= ~bit
        default: copy.words.3 &= ~bit
        }
        return copy
    }
}
