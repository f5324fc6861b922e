import Foundation

/// The one CSV writer (RFC 4180, UTF-8, `\n` line ends): rows of cells, of strings, or of
/// bytes a caller encoded itself (the join and batch tables assemble rows in parallel or
/// from pre-encoded parts). Buffered a megabyte at a time; every write and the close are
/// checked, so a full disk is an error, and errors name the user's path, not a temporary.
public final class CSVWriter {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer = [UInt8]()
    private var closed = false
    /// The path errors name.
    public let displayPath: String
    /// Text fields a spreadsheet would run as formulas get a leading apostrophe (FormulaGuard.swift).
    public var guardsFormulas = true

    /// Open `path` for writing; errors name `displayPath` (default: `path`).
    public init(path: String, displayPath: String? = nil, bom: Bool = false) throws {
        self.displayPath = displayPath ?? path
        guard let f = fopen(path, "wb") else {
            throw GeoKitError.io(self.displayPath, "cannot write (\(String(cString: strerror(errno))))")
        }
        file = f
        buffer.reserveCapacity(1 << 20)
        if bom { buffer += [0xEF, 0xBB, 0xBF] }
    }

    deinit { if !closed { fclose(file) } }

    /// Write a CSV to `path` atomically: `body` writes through a writer on a temporary file
    /// beside it, which is renamed to `path` only when `body` and the close succeed.
    public static func write(to path: String, bom: Bool = false, guardFormulas: Bool = true,
                             _ body: (CSVWriter) throws -> Void) throws {
        try writeAtomically(path) { tmp in
            try write(to: path, temporary: tmp, bom: bom, guardFormulas: guardFormulas, body)
        }
    }

    /// Write the CSV meant for `path` to `temporary` (a caller's `writeAtomically`, e.g. a
    /// table written together with its sidecar); errors name `path`.
    public static func write(to path: String, temporary: String, bom: Bool = false, guardFormulas: Bool = true,
                             _ body: (CSVWriter) throws -> Void) throws {
        let w = try CSVWriter(path: temporary, displayPath: path, bom: bom)
        w.guardsFormulas = guardFormulas
        try body(w)
        try w.close()
    }

    public func writeRow(_ cells: [String]) throws {
        for (i, c) in cells.enumerated() {
            if i > 0 { buffer.append(44) }
            Self.appendField(c, guardsFormulas: guardsFormulas, to: &buffer)
        }
        buffer.append(10)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func writeRow(_ cells: [TableCell]) throws {
        Self.encode(cells, guardsFormulas: guardsFormulas, into: &buffer)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// One row as this writer writes it, appended to `bytes` (for rows encoded on other
    /// threads and written with `writeEncoded`).
    public static func encode(_ cells: [TableCell], guardsFormulas: Bool, into bytes: inout [UInt8]) {
        for (i, c) in cells.enumerated() {
            if i > 0 { bytes.append(44) }
            switch c {
            case .number(let v): appendNumber(v, to: &bytes)   // formatNumber's text, no String per value
            case .text(let s): appendField(s, guardsFormulas: guardsFormulas, to: &bytes)
            case .empty: break
            }
        }
        bytes.append(10)
    }

    /// A text cell as `encode` writes it (guarded, quoted if need be), appended to `bytes`.
    package static func appendField(_ s: String, guardsFormulas: Bool, to bytes: inout [UInt8]) {
        bytes += csvQuote(guardsFormulas ? guardFormula(s) : s).utf8
    }

    /// Whole rows the caller has encoded (quoted, comma-separated, each ending in `\n`).
    public func writeEncoded(_ bytes: [UInt8]) throws {
        if buffer.isEmpty && bytes.count >= 1 << 20 { try put(bytes); return }
        buffer += bytes
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Whole rows encoded in several buffers (rows encoded in parallel, one buffer per unit or
    /// chunk), written in their order without first being copied together: what the writer
    /// holds goes first, then each buffer as it is.
    public func writeEncoded(parts: ArraySlice<[UInt8]>) throws {
        try flush()
        for p in parts where !p.isEmpty { try put(p) }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try put(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flush and close; a failure here (the disk filled at the end) is an error too.
    public func close() throws {
        guard !closed else { return }
        defer { closed = true }
        do { try flush() } catch { fclose(file); throw error }
        if fflush(file) != 0 || fclose(file) != 0 {
            throw GeoKitError.io(displayPath, "cannot write (\(String(cString: strerror(errno))))")
        }
    }

    private func put(_ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        guard n == bytes.count else { throw GeoKitError.io(displayPath, "cannot write (\(String(cString: strerror(errno))))") }
        written += n
    }

    /// Bytes handed to the file, and those whose writing out to disk was started.
    private var written = 0, writtenOut = 0

    /// Start writing to disk what was written so far, once 4 MB more were, or at `last` (Linux: a large
    /// table written to a temporary renamed over an existing file). ext4 writes a file out
    /// when it is renamed over another (so that a crash leaves the old or the new file):
    /// the rename of a 41 MB table then waited about 30 ms for it, after all the work; started
    /// as the table is written, the pages go out meanwhile. Nothing else changes: the
    /// pages would be written out within half a minute anyway.
    package func startWritingOut(last: Bool = false) throws {
        #if os(Linux)
        if last { try flush() }
        guard written - writtenOut >= (last ? 1 : 4 << 20), let start = syncFileRange else { return }
        guard fflush(file) == 0 else { return }   // a failure is reported by the next write or the close
        _ = start(fileno(file), Int64(writtenOut), Int64(written - writtenOut), 2 /* SYNC_FILE_RANGE_WRITE */)
        writtenOut = written
        #endif
    }
}

#if os(Linux)
/// glibc's `sync_file_range` (not in Swift's Glibc module), looked up once.
private let syncFileRange: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
    guard let f = dlsym(nil, "sync_file_range") else { return nil }
    return unsafeBitCast(f, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
}()
#endif
