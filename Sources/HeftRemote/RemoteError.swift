/// Why a remote model could not be read: the URL or name, what happened, and what to do — one line.
public struct RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The name is not a Hub id, URL or Ollama name.
        case badName = "bad-name"
        /// The repository, revision, file or tag does not exist (or is private and no token was sent).
        case notFound = "not-found"
        /// A gated repository whose terms the token's account has not accepted, or no token was sent.
        case gated
        /// 401 or 403: the token is missing, wrong, or lacks access.
        case unauthorized
        /// 416: the file is shorter than the range asked for.
        case rangeNotSatisfiable = "range-not-satisfiable"
        /// 429: too many requests.
        case rateLimited = "rate-limited"
        /// Offline mode, and the model is not in a local cache.
        case offline
        /// A connection failed, was reset or stalled past its timeout.
        case network
        /// The server answered something the protocol does not allow (a wrong Content-Range, a short body).
        case badReply = "bad-reply"
        /// The repository holds nothing Heft reads, or several files where one must be chosen.
        case noModel = "no-model"
        /// The user asked for something a remote model cannot give (statistics of weights never downloaded).
        case unsupported
    }

    /// The URL or name the error is about.
    public let subject: String
    public let kind: Kind
    public let detail: String

    public init(_ subject: String, _ kind: Kind, _ detail: String) {
        self.subject = subject
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(subject): \(detail) [\(kind.rawValue)]" }
}
