import Foundation

// Errors and warnings as values. Callers branch on `kind`, never on message text; the CLI
// prints `message` (one line) and, for errors, the `hint`.

/// Why a run stopped: the kind of problem, the user's file it concerns, and what is wrong.
public struct GeoKitError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// An input file is missing, unreadable or not what was expected.
        case input
        /// Coordinate reference systems are missing, unknown or incompatible.
        case crs
        /// An option or a combination of options is wrong.
        case argument
        /// Reading or writing failed (disk full, permission denied...).
        case io
        /// The run was stopped on purpose (a signal, a cancelled pool).
        case cancelled
        /// A bug: a state that should not be reachable.
        case `internal`
    }
    public var kind: Kind
    /// The user's path the problem is about (nil for options and internal errors).
    public var file: String?
    /// The line in `file`, for text inputs such as manifests.
    public var line: Int?
    /// What is wrong, without the file.
    public var problem: String
    /// What the user can do about it, when there is something to say (e.g. an option).
    public var hint: String?
    /// The run that fixes it, as facts a front end words (in the place of `hint`).
    public var remedy: Remedy?

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, _ problem: String, hint: String? = nil) {
        self.kind = kind; self.file = file; self.line = line; self.problem = problem; self.hint = hint
    }

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, _ problem: String, remedy: Remedy) {
        self.init(kind, file: file, line: line, problem)
        self.remedy = remedy
    }

    public static func input(_ file: String, _ problem: String, hint: String? = nil) -> GeoKitError {
        GeoKitError(.input, file: file, problem, hint: hint)
    }
    public static func input(_ file: String, _ problem: String, remedy: Remedy) -> GeoKitError {
        GeoKitError(.input, file: file, problem, remedy: remedy)
    }
    public static func crs(_ file: String?, _ problem: String) -> GeoKitError { GeoKitError(.crs, file: file, problem) }
    public static func argument(_ problem: String, hint: String? = nil) -> GeoKitError {
        GeoKitError(.argument, problem, hint: hint)
    }
    public static func io(_ file: String, _ problem: String) -> GeoKitError { GeoKitError(.io, file: file, problem) }
    public static func `internal`(_ problem: String) -> GeoKitError { GeoKitError(.internal, "internal error: " + problem) }

    /// `file[:line]: problem`, one line.
    public var message: String {
        guard let file else { return problem }
        return line.map { "\(file):\($0): \(problem)" } ?? "\(file): \(problem)"
    }
    /// The message with its hint (a remedy in the library's words).
    public var messageWithHint: String { worded(remedy: \.description) }
    /// The message with its hint, a remedy worded by `words` (as a front end says it).
    public func worded(remedy words: (Remedy) -> String) -> String {
        (remedy.map(words) ?? hint).map { "\(message) (\($0))" } ?? message
    }
    public var description: String { messageWithHint }

    /// The same error placed at `line` of `file` (manifest errors point at their line).
    public func at(file: String, line: Int) -> GeoKitError {
        var e = self
        if e.file != nil && e.file != file { e.problem = e.message }
        e.file = file; e.line = line
        return e
    }
}

/// Something the user should know about a result that is still produced: printed by the
/// CLI on stderr and recorded in the table's metadata sidecar.
public struct GeoWarning: CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// A zone's geometry was missing, empty, repaired or not polygonal.
        case geometry
        /// A CRS was missing or doubtful and one was assumed.
        case crs
        /// Zones lie wholly outside a raster (their statistics are empty).
        case outside
        /// The id column has malformed codes, mixed levels, duplicates or blanks.
        case ids
        /// An input's content is doubtful (extra fields, rows that are not points...).
        case input
        /// A message GDAL raised as a warning.
        case gdal
        /// A roll-up row does not hold every zone it stands for (the zones were filtered).
        case rollup
        /// A note about an input that does not touch the numbers (GDAL's note that a
        /// GeoPackage's version is newer than the one it was written for): recorded in the
        /// sidecar, not said on the terminal.
        case notice
        /// Text in a doubtful encoding (Zawgyi-encoded Myanmar values).
        case text
    }
    /// What a warning said once per feature is about, so that a file's many of one topic
    /// can be said in one line ("19 features with invalid geometry, repaired ...: MMR001...").
    public enum Topic: String, Sendable, CaseIterable {
        case repairedGeometry, noGeometry, unclosedRings, notTransformed, notBuffered, outOfDegrees, notPolygonal, unreadableGeometry

        /// What the features of a group have, after their count.
        public var summary: String {
            switch self {
            case .repairedGeometry: return "features with invalid geometry, repaired with GEOS make-valid"
            case .noGeometry: return "features with no geometry (their rows are empty)"
            case .unclosedRings: return "features with rings not closed, closed by repeating the first point"
            case .notTransformed: return "features that cannot be transformed to the raster's CRS (their rows are empty)"
            case .notBuffered: return "features that cannot be transformed to WGS 84 for \(Setting.buffer) (their rows are empty)"
            case .outOfDegrees: return "features with coordinates out of range for degrees (their rows are empty)"
            case .notPolygonal: return "features whose geometry has no polygonal part (their rows are empty)"
            case .unreadableGeometry: return "features whose geometry cannot be read (their rows are empty)"
            }
        }
    }

    public var kind: Kind
    public var file: String?
    /// The whole warning, one line: what the sidecar records.
    public var message: String
    /// What the terminal shows: the message, or for a long list its first items.
    public var shortMessage: String
    /// For a warning said once per feature: its topic, and the feature (its id, or
    /// `feature N` without one).
    public var topic: Topic?
    public var subject: String?

    public init(_ kind: Kind, file: String? = nil, _ message: String) {
        self.kind = kind; self.file = file; self.message = message; shortMessage = message
    }

    /// A warning about one feature, on a topic that may recur for others.
    public init(_ kind: Kind, file: String? = nil, _ message: String, topic: Topic, subject: String) {
        self.init(kind, file: file, message)
        self.topic = topic; self.subject = subject
    }

    /// A warning that lists items (zone ids): every one in `message`, the first `shown` in
    /// `shortMessage`, with a count of the rest and where to find them.
    public init(_ kind: Kind, file: String? = nil, _ head: String, listing items: [String], shown: Int = 10) {
        self.init(kind, file: file, head + items.joined(separator: ", "))
        if items.count > shown {
            shortMessage = head + items.prefix(shown).joined(separator: ", ") + ", ... (\(items.count - shown) more, all listed in the metadata sidecar)"
        }
    }
    public var description: String { message }
}

extension GeoWarning {
    /// The warnings as a terminal should say them: each message once, and the warnings of one
    /// topic about one file in one line where there are several (in the place of the first),
    /// naming its first `shown` features. `listedIn` says where all are listed (a sidecar).
    /// The full warnings stay what the sidecar records.
    public static func grouped(_ warnings: [GeoWarning], shown: Int = 10, listedIn: String? = nil) -> [GeoWarning] {
        var seen = Set<String>()
        let unique = warnings.filter { seen.insert($0.message).inserted }
        struct Key: Hashable { var file: String?; var topic: Topic }
        var members: [Key: [GeoWarning]] = [:]
        for w in unique { if let t = w.topic { members[Key(file: w.file, topic: t), default: []].append(w) } }
        var out: [GeoWarning] = []
        var said = Set<Key>()
        for w in unique {
            guard let t = w.topic, let group = members[Key(file: w.file, topic: t)], group.count > 1 else { out.append(w); continue }
            guard said.insert(Key(file: w.file, topic: t)).inserted else { continue }
            let head = "\(w.file.map { $0 + ": " } ?? "")\(group.count) \(t.summary): "
            var line = GeoWarning(w.kind, file: w.file, head + group.map { $0.subject ?? "?" }.joined(separator: ", "))
            if group.count > shown {
                line.shortMessage = head + group.prefix(shown).map { $0.subject ?? "?" }.joined(separator: ", ")
                    + ", ... (\(group.count - shown) more\(listedIn.map { ", all listed in \($0)" } ?? ""))"
            }
            out.append(line)
        }
        return out
    }
}
