import Foundation

// Exact cell coverage fractions of a polygon.
//
// The area of a polygon inside cell (r, c) is the integral over the row strip v in [r, r+1]
// of the covered length of the horizontal line at v within [c, c+1]. Along one line that
// length is a signed sum over the edges crossing it of clamp(u, c, c+1) - c, so the cell's
// area is a sum over edges of the integral of (clamp(u(v), c, c+1) - c) dv. Split each edge
// at row and column lines; a piece lying in column k adds
//   * to cell k: (mean u of the piece - k) * dv   (the part of the cell left of it), and
//   * to every cell left of k: the full width 1 * dv.
// The second term is recorded once, as a "suffix" event at k, and summed right to left
// along the row. Between events the running sum is constant, so interior runs come out
// without visiting their cells. Work is proportional to
// the number of boundary cells plus rows, not to the polygon's area. (Between events the
// sum is the share of the row's height that lies inside: 1 for interior runs.)

extension GridPolygon {
    package func exactCoverage(in window: Window) -> Coverage {
        var events = EventList()
        return exactCoverage(in: window, events: &events)
    }

    /// As `exactCoverage(in:)`, gathering into `events`: a caller covering many zones passes
    /// one list for all of them, so its buffers are allocated once, not once per zone.
    package func exactCoverage(in window: Window, events: inout EventList) -> Coverage {
        var spans: [Span] = []
        exactCoverage(in: window, events: &events, appendingTo: &spans)
        return Coverage(window: window, spans: spans)
    }

    /// As `exactCoverage(in:events:)`, the spans appended to `spans`: the engine keeps the
    /// coverages of a row band's zones in one buffer, not an array per zone.
    package func exactCoverage(in window: Window, events: inout EventList, appendingTo spans: inout [Span]) {
        edges.withUnsafeBufferPointer { Self.exactCoverage(edges: $0, in: window, events: &events, appendingTo: &spans) }
    }

    /// The exact coverage of the polygon whose edges (in grid units) are `edges`, appended
    /// to `spans`: the engine keeps every zone's edges in one array and passes a slice.
    package static func exactCoverage(edges: UnsafeBufferPointer<Edge>, in window: Window, events: inout EventList,
                                      appendingTo spans: inout [Span]) {
        events.reset(for: window)
        let r0 = window.row, r1 = window.rowEnd
        let c0 = Double(window.col), c1 = Double(window.colEnd)
        let width = window.cols
        guard !window.isEmpty else { return }

        for e in edges {
            let ua = e.u0, va = e.v0, ub = e.u1, vb = e.v1
            let lo = min(va, vb), hi = max(va, vb)
            if hi <= Double(r0) || lo >= Double(r1) { continue }
            let slope = (ub - ua) / (vb - va)
            let down = vb > va
            let rFirst = max(Int(floor(lo)), r0), rLast = min(Int(ceil(hi)) - 1, r1 - 1)
            if rFirst > rLast { continue }
            for r in rFirst...rLast {
                let vs = max(lo, Double(r)), ve = min(hi, Double(r + 1))
                if ve <= vs { continue }
                // The piece in this row, in the edge's direction of travel.
                let vStart = down ? vs : ve, vEnd = down ? ve : vs
                let uStart = vStart == va ? ua : ua + (vStart - va) * slope
                let uEnd = vEnd == vb ? ub : ua + (vEnd - va) * slope
                let dv = vEnd - vStart
                let uLo = min(uStart, uEnd), uHi = max(uStart, uEnd)
                let rowIndex = r - r0
                if uHi <= c0 { continue }                 // left of the window: adds nothing
                if uLo >= c1 {                            // right of it: full width everywhere
                    events.add(row: rowIndex, col: width, partial: 0, suffix: dv)
                    continue
                }
                if uHi == uLo {                           // vertical: one column
                    addPiece(&events, row: rowIndex, k: floor(uLo), uMid: uLo, dv: dv, c0: c0, c1: c1, width: width)
                    continue
                }
                // Split at each column line the piece crosses.
                let du = uHi - uLo
                var a = uLo
                var k = floor(uLo)
                while a < uHi {
                    if k >= c1 {
                        events.add(row: rowIndex, col: width, partial: 0, suffix: dv * (uHi - a) / du)
                        break
                    }
                    let b = min(k + 1, uHi)
                    if b > c0 {
                        addPiece(&events, row: rowIndex, k: k, uMid: (a + b) / 2, dv: dv * (b - a) / du,
                                 c0: c0, c1: c1, width: width)
                    }
                    a = b
                    k += 1
                }
            }
        }
        events.sweep(window: window, into: &spans)
    }

    @inline(__always)
    private static func addPiece(_ events: inout EventList, row: Int, k: Double, uMid: Double, dv: Double,
                          c0: Double, c1: Double, width: Int) {
        if k < c0 { return }
        if k >= c1 { events.add(row: row, col: width, partial: 0, suffix: dv); return }
        events.add(row: row, col: Int(k - c0), partial: (uMid - k) * dv, suffix: dv)
    }
}

/// Per-cell contributions gathered edge by edge, swept row by row. Its buffers are grown
/// by hand and reused for every zone: an Array append per event (a uniqueness check and a
/// capacity check each) was a tenth of the engine's time on 10^5 small zones. Not copyable:
/// a copy would share the memory its original may reallocate.
///
/// A small window (most zones of a fishnet or of Voronoi cells) gathers into a dense table of
/// its cells instead, so nothing is sorted: each cell's sums are added in the same order as
/// the sorted list adds them, so the coverage is the same to the last bit.
package struct EventList: ~Copyable {
    package struct Event { var key: Int; var partial: Double; var suffix: Double }
    private let buffers = Buffers()
    /// The event buffer and its fill, kept here too: adding an event then touches no
    /// reference count (the class only owns the memory, and is read once per zone).
    private var events: UnsafeMutablePointer<Event>
    private var count = 0, capacity: Int
    /// The dense table: per cell (row-major, a column more than the window for what comes
    /// from its right) the sums and whether any event came; `denseStride` 0 when not used.
    private let densePartial: UnsafeMutablePointer<Double>, denseSuffix: UnsafeMutablePointer<Double>
    private let denseSeen: UnsafeMutablePointer<Bool>
    private var denseStride = 0, denseRows = 0

    package init() {
        events = buffers.events; capacity = buffers.capacity
        densePartial = buffers.densePartial; denseSuffix = buffers.denseSuffix; denseSeen = buffers.denseSeen
    }

    /// Empty, keeping the buffers, for a zone's coverage in `window`.
    package mutating func reset(for window: Window) {
        count = 0
        let stride = window.cols + 1, cells = stride * window.rows
        if window.rows > 0 && cells <= Buffers.denseCells {
            denseStride = stride; denseRows = window.rows
            densePartial.update(repeating: 0, count: cells)
            denseSuffix.update(repeating: 0, count: cells)
            denseSeen.update(repeating: false, count: cells)
        } else {
            denseStride = 0
        }
    }

    @inline(__always) package mutating func add(row: Int, col: Int, partial: Double, suffix: Double) {
        // col may equal the window width (a contribution from the right of the window).
        if denseStride > 0 {
            let i = row * denseStride + col
            densePartial[i] += partial; denseSuffix[i] += suffix; denseSeen[i] = true
            return
        }
        if count == capacity { buffers.grow(keeping: count); events = buffers.events; capacity = buffers.capacity }
        events[count] = Event(key: row << 32 | col, partial: partial, suffix: suffix)
        count += 1
    }

    package mutating func sweep(window: Window) -> Coverage {
        var spans: [Span] = []
        spans.reserveCapacity(count)
        sweep(window: window, into: &spans)
        return Coverage(window: window, spans: spans)
    }

    /// The spans, row by row and left to right, appended to `spans`.
    package mutating func sweep(window: Window, into spans: inout [Span]) {
        if denseStride > 0 { sweepDense(window: window, into: &spans); return }
        let b = buffers
        let n = count
        guard n > 0 else { return }
        b.sortByRowThenColumn(rows: window.rows, count: n)
        let sorted = b.events
        b.reserveRowSpans(2 * n + 1)
        let rowSpans = b.rowSpans
        var start = 0
        while start < n {
            let row = sorted[start].key >> 32
            var end = start
            while end < n && sorted[end].key >> 32 == row { end += 1 }
            var sweep = RowSweep(window: window, row: row, spans: rowSpans)
            var i = end - 1
            while i >= start {
                let key = sorted[i].key
                var partial = 0.0, suffix = 0.0
                while i >= start && sorted[i].key == key {
                    partial += sorted[i].partial; suffix += sorted[i].suffix; i -= 1
                }
                sweep.cell(key & 0xffff_ffff, partial: partial, suffix: suffix)
            }
            sweep.end(appendingTo: &spans)
            start = end
        }
    }
}

extension EventList {
    /// As `sweep`, from the dense table: the cells with events, right to left in each row,
    /// as the sorted list visits its keys.
    private func sweepDense(window: Window, into spans: inout [Span]) {
        let stride = denseStride, cols = window.cols
        buffers.reserveRowSpans(2 * stride + 1)
        let rowSpans = buffers.rowSpans
        for row in 0..<denseRows {
            let base = row * stride
            var sweep = RowSweep(window: window, row: row, spans: rowSpans)
            var col = cols
            while col >= 0 {
                if denseSeen[base + col] { sweep.cell(col, partial: densePartial[base + col], suffix: denseSuffix[base + col]) }
                col -= 1
            }
            sweep.end(appendingTo: &spans)
        }
    }
}

/// One row of a sweep, cells with events taken right to left: `winding` is the coverage of
/// the cells right of the current one. Spans come out right to left too, into `spans` (room
/// for two per cell and one more), and are appended reversed at the end of the row.
private struct RowSweep {
    let window: Window, row: Int, spans: UnsafeMutablePointer<Span>
    var winding = 0.0, prevCol: Int, m = 0

    init(window: Window, row: Int, spans: UnsafeMutablePointer<Span>) {
        self.window = window; self.row = row; self.spans = spans; prevCol = window.cols
    }

    /// The cell at `col` (the window's width for what comes from its right), with the sums
    /// of its events.
    @inline(__always) mutating func cell(_ col: Int, partial: Double, suffix: Double) {
        if col < window.cols {
            if col + 1 < prevCol && winding > 1e-12 {
                spans[m] = Span(row: window.row + row, col: window.col + col + 1, len: prevCol - col - 1, fraction: min(winding, 1))
                m += 1
            }
            let f = partial + winding
            if f > 1e-12 {
                spans[m] = Span(row: window.row + row, col: window.col + col, len: 1, fraction: min(f, 1))
                m += 1
            }
            prevCol = col
        }
        // Snap the running sum where rounding left it a hair off a whole cell or zero.
        winding = snapped(winding + suffix)
    }

    /// The run left of the last cell, and the row's spans appended left to right.
    @inline(__always) mutating func end(appendingTo out: inout [Span]) {
        if prevCol > 0 && winding > 1e-12 {
            spans[m] = Span(row: window.row + row, col: window.col, len: prevCol, fraction: min(winding, 1))
            m += 1
        }
        out.append(contentsOf: UnsafeBufferPointer(start: spans, count: m).reversed())
    }
}

/// The running sum snapped to a whole number where rounding left it within 1e-12 of one
/// (by truncation: a libm call per event otherwise; where it is that close every rounding
/// agrees).
@inline(__always) private func snapped(_ winding: Double) -> Double {
    let whole = winding.magnitude < 1e9 ? Double(Int(winding < 0 ? winding - 0.5 : winding + 0.5)) : winding.rounded()
    return abs(winding - whole) < 1e-12 ? whole : winding
}

/// EventList's storage: events, a scratch copy for sorting, row starts, and one row's spans.
private final class Buffers {
    /// Cells of the largest window gathered densely (its columns plus one, times its rows).
    static let denseCells = 512
    let densePartial = UnsafeMutablePointer<Double>.allocate(capacity: denseCells)
    let denseSuffix = UnsafeMutablePointer<Double>.allocate(capacity: denseCells)
    let denseSeen = UnsafeMutablePointer<Bool>.allocate(capacity: denseCells)
    private(set) var events: UnsafeMutablePointer<EventList.Event>
    private(set) var capacity = 256
    private var scratch: UnsafeMutablePointer<EventList.Event>
    private var scratchCapacity = 256
    private var rowStarts: UnsafeMutablePointer<Int>
    private var rowStartsCapacity = 64
    var rowSpans: UnsafeMutablePointer<Span>
    private var rowSpansCapacity = 256

    init() {
        events = .allocate(capacity: capacity)
        scratch = .allocate(capacity: scratchCapacity)
        rowStarts = .allocate(capacity: rowStartsCapacity)
        rowSpans = .allocate(capacity: rowSpansCapacity)
    }
    deinit {
        events.deallocate(); scratch.deallocate(); rowStarts.deallocate(); rowSpans.deallocate()
        densePartial.deallocate(); denseSuffix.deallocate(); denseSeen.deallocate()
    }

    /// Twice the room, keeping the first `count` events.
    func grow(keeping count: Int) {
        let bigger = UnsafeMutablePointer<EventList.Event>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: events, count: count)
        events.deallocate()
        events = bigger
        capacity *= 2
    }

    /// Room for `n` spans of one row (a cell with events gives at most two: the run right of
    /// it and itself; the row one more, the run left of its last cell).
    func reserveRowSpans(_ n: Int) {
        guard n > rowSpansCapacity else { return }
        rowSpans.deallocate()
        rowSpansCapacity = max(n, rowSpansCapacity * 2)
        rowSpans = .allocate(capacity: rowSpansCapacity)
    }

    /// The events by key: a counting sort by row (rows are few and known), then each row's
    /// handful of events by column with an insertion sort. Events come edge by edge, so rows
    /// are interleaved; a general sort costs more than both passes on the few dozen events
    /// of a small zone. Stable: events of one cell keep their order, and so their sums.
    func sortByRowThenColumn(rows: Int, count n: Int) {
        guard n > 1 else { return }
        guard rows <= 4096 else {
            var all = UnsafeMutableBufferPointer(start: events, count: n)
            all.sort { $0.key < $1.key }
            return
        }
        if n > scratchCapacity {
            scratch.deallocate(); scratchCapacity = max(n, scratchCapacity * 2); scratch = .allocate(capacity: scratchCapacity)
        }
        if rows + 1 > rowStartsCapacity {
            rowStarts.deallocate(); rowStartsCapacity = max(rows + 1, rowStartsCapacity * 2); rowStarts = .allocate(capacity: rowStartsCapacity)
        }
        let src = scratch, out = events, at = rowStarts
        src.update(from: events, count: n)
        at.update(repeating: 0, count: rows + 1)
        for k in 0..<n { at[(src[k].key >> 32) + 1] += 1 }
        for r in 0..<rows { at[r + 1] += at[r] }
        // Placed from the back; at[r + 1] ends as the first position of row r.
        var k = n - 1
        while k >= 0 { let e = src[k]; let r = e.key >> 32; at[r + 1] -= 1; out[at[r + 1]] = e; k -= 1 }
        for r in 0..<rows {
            let lo = at[r + 1], hi = r + 1 < rows ? at[r + 2] : n
            guard hi - lo > 1 else { continue }
            for i in (lo + 1)..<hi {
                let x = out[i]
                var j = i
                while j > lo && out[j - 1].key > x.key { out[j] = out[j - 1]; j -= 1 }
                out[j] = x
            }
        }
    }
}
