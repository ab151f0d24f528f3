internal import Foundation

/// A model named remotely: a Hugging Face Hub repository (or one file in it), an HTTP(S) URL of one file, or an
/// Ollama registry model.
public enum RemoteName: Sendable, Equatable {
    case hub(HubName)
    case url(String)
    case ollama(OllamaName)

    /// How reports name the model: what the user typed, normalised.
    public var display: String {
        switch self {
        case .hub(let name): name.display
        case .url(let url): url
        case .ollama(let name): name.display
        }
    }

    /// Parses `text`: `hf:ORG/NAME…` or a bare `ORG/NAME…` (see ``HubName``), `https://…` / `http://…`, or
    /// `ollama:MODEL[:TAG]`. Nil when the text is none of these (a path, say).
    public static func parse(_ text: String) throws(RemoteError) -> RemoteName? {
        if text.hasPrefix("https://") || text.hasPrefix("http://") {
            guard let url = URLParts(text), !url.host.isEmpty else { throw RemoteError(text, .badName, "not a valid URL") }
            return .url(text)
        }
        if text.hasPrefix("ollama:") { return .ollama(try OllamaName(String(text.dropFirst(7)))) }
        if text.hasPrefix("hf:") { return .hub(try HubName(String(text.dropFirst(3)))) }
        guard HubName.looksLikeRepo(text) else { return nil }
        return .hub(try HubName(text))
    }
}

/// `ORG/NAME[@REVISION][/PATH][:QUANT]`: a repository at a revision (a branch, tag, commit or `refs/pr/N`,
/// percent-encoded if it holds other slashes), optionally one file in it, or the GGUF of one quantization.
public struct HubName: Sendable, Equatable {
    public var repo: String
    public var revision: String
    public var path: String?
    public var quantization: String?

    static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")

    static func isRepoPart(_ part: Substring) -> Bool {
        !part.isEmpty && part.count <= 96 && part.allSatisfy(nameCharacters.contains) && part != "." && part != ".."
            && !part.hasPrefix("-") && !part.hasPrefix(".")
    }

    /// Whether a bare name reads as `ORG/NAME…` (not a relative path such as `models/x.gguf`, which exists or is
    /// refused locally first).
    static func looksLikeRepo(_ text: String) -> Bool {
        let head = text.prefix { $0 != "@" && $0 != ":" }
        let parts = head.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 2 && isRepoPart(parts[0]) && isRepoPart(parts[1]) && !text.hasPrefix("/")
    }

    public init(repo: String, revision: String = "main", path: String? = nil, quantization: String? = nil) {
        self.repo = repo
        self.revision = revision
        self.path = path
        self.quantization = quantization
    }

    public init(_ text: String) throws(RemoteError) {
        var rest = Substring(text)
        // :QUANT is the last colon's tail when it is a plain word (Q4_K_M, IQ2_XS, BF16).
        if let colon = rest.lastIndex(of: ":") {
            let tail = rest[rest.index(after: colon)...]
            guard !tail.isEmpty, tail.count <= 32, tail.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw RemoteError(text, .badName, "':\(tail)' is not a quantization name such as :Q4_K_M")
            }
            quantization = String(tail)
            rest = rest[..<colon]
        }
        let parts = rest.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw RemoteError(text, .badName, "a Hugging Face repository is ORG/NAME") }
        var name = parts[1]
        var tail: Substring? = parts.count > 2 ? parts[2] : nil
        revision = "main"
        if let at = name.firstIndex(of: "@") {
            var revisionText = name[name.index(after: at)...]
            name = name[..<at]
            // refs/pr/N carries its own slashes.
            if revisionText == "refs", let rest = tail, rest.hasPrefix("pr/") {
                let pieces = rest.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
                guard pieces.count >= 2, !pieces[1].isEmpty, pieces[1].allSatisfy(\.isNumber) else {
                    throw RemoteError(text, .badName, "a pull-request revision is @refs/pr/NUMBER")
                }
                revisionText = Substring("refs/pr/" + pieces[1])
                tail = pieces.count > 2 ? pieces[2] : nil
            }
            guard let decoded = percentDecoded(revisionText), !decoded.isEmpty, decoded.count <= 256,
                decoded.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\\" }), !decoded.split(separator: "/").contains("..")
            else {
                throw RemoteError(text, .badName, "'@\(revisionText)' is not a revision (a branch, tag, commit or refs/pr/N)")
            }
            revision = decoded
        }
        guard Self.isRepoPart(parts[0]), Self.isRepoPart(name) else {
            throw RemoteError(text, .badName, "a Hugging Face repository is ORG/NAME of letters, digits, '-', '_' and '.'")
        }
        repo = parts[0] + "/" + name
        if let tail, !tail.isEmpty {
            let segments = tail.split(separator: "/", omittingEmptySubsequences: false)
            guard segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }), tail.count <= 1024 else {
                throw RemoteError(text, .badName, "'/\(tail)' is not a file path inside the repository")
            }
            path = String(tail)
        }
        if let path, let quantization {
            throw RemoteError(text, .badName, "give /\(path) or :\(quantization), not both: a file names its quantization")
        }
    }

    public var display: String {
        var text = repo
        if revision != "main" { text += "@" + (revision.hasPrefix("refs/pr/") ? revision : percentEncoded(revision)) }
        if let path { text += "/" + path }
        if let quantization { text += ":" + quantization }
        return text
    }
}

/// `[HOST/][NAMESPACE/]MODEL[:TAG]` in Ollama's registry (`library/` and `latest` by default).
public struct OllamaName: Sendable, Equatable {
    public var namespace: String
    public var model: String
    public var tag: String

    public init(_ text: String) throws(RemoteError) {
        var name = Substring(text)
        tag = "latest"
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
            tag = String(name[name.index(after: colon)...])
            name = name[..<colon]
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 80 && $0.lowercased().allSatisfy(allowed.contains) }),
            !tag.isEmpty, tag.count <= 80, tag.lowercased().allSatisfy(allowed.contains)
        else {
            throw RemoteError("ollama:" + text, .badName, "an Ollama model is [NAMESPACE/]MODEL[:TAG] of letters, digits, '-', '_' and '.'")
        }
        namespace = parts.count == 2 ? String(parts[0]) : "library"
        model = String(parts[parts.count - 1])
    }

    public var display: String { "ollama:" + (namespace == "library" ? "" : namespace + "/") + model + ":" + tag }
}

/// The parts of an `http(s)://HOST[:PORT]/PATH` URL that the client needs.
struct URLParts: Equatable {
    var scheme: String
    var host: String
    var port: Int
    var path: String

    init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        path = String(rest.dropFirst(authority.count))
        if path.isEmpty { path = "/" }
        guard !authority.contains("@") else { return nil }
        var hostPart = authority
        port = scheme == "https" ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else { return nil }
            port = value
            hostPart = authority[..<colon]
        }
        host = hostPart.lowercased()
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || "-._[]:".contains($0) }) else { return nil }
    }

    /// Where `location` (absolute, or relative to this URL) leads.
    func resolving(_ location: String) -> String? {
        if location.hasPrefix("https://") || location.hasPrefix("http://") { return location }
        if location.hasPrefix("//") { return scheme + ":" + location }
        let base = scheme + "://" + host + (port == (scheme == "https" ? 443 : 80) ? "" : ":\(port)")
        if location.hasPrefix("/") { return base + location }
        let directory =
            path.split(separator: "?", maxSplits: 1).first.map {
                $0.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            } ?? ""
        return base + directory + "/" + location
    }

    /// Scheme, host and port: the origin a token may be sent to.
    var origin: String { "\(scheme)://\(host):\(port)" }
}

func percentDecoded(_ text: Substring) -> String? {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "%") {
            guard let high = iterator.next(), let low = iterator.next(), let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else {
                return nil
            }
            bytes.append(value)
        } else {
            bytes.append(byte)
        }
    }
    return String(validating: bytes, as: UTF8.self)
}

/// `text` with every byte outside `A–Z a–z 0–9 - _ . ~` (and `/` when `keepSlash`) percent-encoded.
func percentEncoded(_ text: String, keepSlash: Bool = false) -> String {
    var out = ""
    for byte in text.utf8 {
        let c = Character(UnicodeScalar(byte))
        if byte < 0x80, c.isLetter || c.isNumber || "-_.~".contains(c) || (keepSlash && c == "/") {
            out.append(c)
        } else {
            out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
    }
    return out
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
