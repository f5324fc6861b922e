import Foundation

// `sum(pop) where hazard >= 3`: the share of each value cell's area where a condition on
// another raster holds, and the share where that raster has no value.
//
// Both grids are north-up in one CRS. Each condition cell is in one of three states: the
// test holds (1), fails (0), or the raster has no value there (nodata, mask, NaN). For a
// value cell V and the condition cells C overlapping it,
//
//     hold(V)   = sum over C that hold   of area(V ∩ C) / area(V)
//     nodata(V) = sum over C with nodata of area(V ∩ C) / area(V)  +  area(V outside the condition grid) / area(V)
//
// and the rest of V, 1 - hold - nodata, is where the test fails. V and C are rectangles
// with sides on the grid lines, so area(V ∩ C) / area(V) is (the share of V's width in C)
// x (the share of V's height in C), and the share of V outside the condition grid is
// 1 - (V's width share inside it) x (V's height share inside it). One rule covers every
// case: a finer condition grid (each fine cell split by area across value-cell edges), a
// coarser one (the share of V in each coarse cell it meets), shifted grids and the same
// grid, where every share is exactly 0 or 1 (cell edges within 1e-9 of a cell line of the
// value grid are put on it, so aligned grids give no sliver shares from rounding).
//
// On a geographic grid a band of latitudes holds more area near the equator: the height
// shares are then ratios of ellipsoidal areas (the area between two latitudes, as cell
// areas are measured), so the shares are shares of true area there too. Widths are
// longitudes, whose area share is linear.
//
// A value cell then counts in every statistic with coverage x hold(V) (see `CellShares`
// and the span kernels), and its covered area x nodata(V) is reported apart
// (`ZoneStats.conditionNodataArea`, the statistic `where_nodata`).

/// A condition cell's state, as `ConditionOverlay.add` reads it.
public enum ConditionState {
    public static let fails: UInt8 = 0
    public static let holds: UInt8 = 1
    public static let nodata: UInt8 = 2

    /// Classify `count` raw values (Float64, as read) in place of `states`: NaN, the nodata
    /// value (compared raw, as the value rasters' nodata is) or a 0 in `mask` is nodata;
    /// otherwise the test on raw x scale + offset.
    public static func classify(_ raw: UnsafePointer<Double>, count: Int, mask: UnsafePointer<UInt8>?, nodata: Double?,
                                scale: Double, offset: Double, test: ValueTest, into states: UnsafeMutablePointer<UInt8>) {
        classify(UnsafeRawPointer(raw), type: .float64, count: count, mask: mask, nodata: nodata, scale: scale, offset: offset,
                 test: test, into: states)
    }

    /// As above, on values read in the band's own type (`type`), so a reader decodes blocks
    /// straight into the buffer.
    public static func classify(_ raw: UnsafeRawPointer, type: PixelType, count: Int, mask: UnsafePointer<UInt8>?, nodata: Double?,
                                scale: Double, offset: Double, test: ValueTest, into states: UnsafeMutablePointer<UInt8>) {
        func go<T: RasterScalar>(_: T.Type) {
            classifyTyped(raw.assumingMemoryBound(to: T.self), count: count, mask: mask, nodata: nodata, scale: scale, offset: offset,
                     test: test, into: states)
        }
        if type == .uint8 {
            // 256 values: classify each once, then look the cells up.
            var table = [UInt8](repeating: 0, count: 256)
            let all = (0..<256).map(Double.init)
            all.withUnsafeBufferPointer { classifyTyped($0.baseAddress!, count: 256, mask: nil, nodata: nodata, scale: scale,
                                                        offset: offset, test: test, into: &table) }
            let p = raw.assumingMemoryBound(to: UInt8.self)
            table.withUnsafeBufferPointer { t in
                for i in 0..<count { states[i] = t[Int(p[i])] }
            }
            if let mask { for i in 0..<count where mask[i] == 0 { states[i] = ConditionState.nodata } }
            return
        }
        switch type {
        case .uint8: go(UInt8.self)
        case .int8: go(Int8.self)
        case .uint16: go(UInt16.self)
        case .int16: go(Int16.self)
        case .uint32: go(UInt32.self)
        case .int32: go(Int32.self)
        case .float32: go(Float.self)
        case .float64: go(Double.self)
        }
    }

    @inline(__always)
    static func classifyTyped<T: RasterScalar>(_ raw: UnsafePointer<T>, count: Int, mask: UnsafePointer<UInt8>?, nodata: Double?,
                                          scale: Double, offset: Double, test: ValueTest, into states: UnsafeMutablePointer<UInt8>) {
        let nd = nodata ?? .nan, hasND = nodata != nil, identity = scale == 1 && offset == 0
        for i in 0..<count {
            let r = raw[i].double
            if r != r || (hasND && r == nd) || (mask.map { $0[i] == 0 } ?? false) { states[i] = ConditionState.nodata; continue }
            states[i] = test.holds(identity ? r : r * scale + offset) ? ConditionState.holds : ConditionState.fails
        }
    }
}

/// How the cells of a condition grid fall into the cells of `window` of the value grid:
/// for each condition column and row of `conditionWindow`, the value columns (rows) it
/// overlaps and the share of the value cell's width (height) inside it.
public struct ConditionOverlay: Sendable {
    /// The condition cells that overlap the value window (clipped to the condition grid);
    /// empty if none.
    public let conditionWindow: Window
    let colStart: [Int], colTarget: [Int], colShare: [Double]
    let rowStart: [Int], rowTarget: [Int], rowShare: [Double]
    /// Per value column (row) of the window, the share of its width (height) inside the
    /// condition grid.
    let colInside: [Double], rowInside: [Double]
    let cols: Int, rows: Int

    /// `areaModel` `.geographic` makes the height shares shares of ellipsoidal area.
    public init(condition: Grid, values: Grid, window: Window, areaModel: CellAreaModel = .planar(metresPerUnit: 1)) {
        cols = window.cols; rows = window.rows
        let x0 = values.x(col: Double(window.col)), x1 = values.x(col: Double(window.colEnd))
        let y0 = values.y(row: Double(window.row)), y1 = values.y(row: Double(window.rowEnd))
        let eps = 1e-9
        let cc0 = max(0, Int(floor(condition.u(x0) + eps))), cc1 = min(condition.cols, Int(ceil(condition.u(x1) - eps)))
        let cr0 = max(0, Int(floor(condition.v(y0) + eps))), cr1 = min(condition.rows, Int(ceil(condition.v(y1) - eps)))
        conditionWindow = Window(row: cr0, col: cc0, rows: max(0, cr1 - cr0), cols: max(0, cc1 - cc0))
        // Condition cell edges in value cells, relative to the window.
        let colOrigin = (condition.left - values.left) / values.dx - Double(window.col), colStep = condition.dx / values.dx
        let rowOrigin = (values.top - condition.top) / values.dy - Double(window.row), rowStep = condition.dy / values.dy
        let linear: (Double, Double, Int) -> Double = { lo, hi, _ in hi - lo }
        var height = linear
        if case .geographic(let e) = areaModel {
            // The share of value row j between row coordinates lo and hi, by ellipsoidal area.
            let lat = { (u: Double) in min(90, max(-90, values.y(row: Double(window.row) + u))) }
            height = { lo, hi, j in
                let whole = e.zoneArea(toLatitude: lat(Double(j))) - e.zoneArea(toLatitude: lat(Double(j + 1)))
                return whole == 0 ? hi - lo : (e.zoneArea(toLatitude: lat(lo)) - e.zoneArea(toLatitude: lat(hi))) / whole
            }
        }
        (colStart, colTarget, colShare) = Self.spans(cc0..<max(cc0, cc1), origin: colOrigin, step: colStep, count: window.cols, share: linear)
        (rowStart, rowTarget, rowShare) = Self.spans(cr0..<max(cr0, cr1), origin: rowOrigin, step: rowStep, count: window.rows, share: height)
        colInside = Self.inside(origin: colOrigin, length: colStep * Double(condition.cols), count: window.cols, share: linear)
        rowInside = Self.inside(origin: rowOrigin, length: rowStep * Double(condition.rows), count: window.rows, share: height)
    }

    /// `x` put on the nearest integer when within 1e-9 of it.
    @inline(__always) static func snap(_ x: Double) -> Double {
        let r = x.rounded()
        return abs(x - r) < 1e-9 ? r : x
    }

    /// For each condition cell i of `range` (edges origin + i * step and that + step, in
    /// value cells), the value cells j it overlaps and the share of j inside it.
    static func spans(_ range: Range<Int>, origin: Double, step: Double, count: Int,
                      share: (Double, Double, Int) -> Double) -> ([Int], [Int], [Double]) {
        var start = [0], target: [Int] = [], shares: [Double] = []
        for i in range {
            let a = snap(origin + Double(i) * step), b = snap(origin + Double(i + 1) * step)
            let first = max(0, Int(floor(a))), last = min(count - 1, Int(ceil(b)) - 1)
            if last >= first {
                for j in first...last {
                    let lo = max(a, Double(j)), hi = min(b, Double(j + 1))
                    if hi > lo { target.append(j); shares.append(share(lo, hi, j)) }
                }
            }
            start.append(target.count)
        }
        return (start, target, shares)
    }

    /// Per value cell j, the share of it between origin and origin + length.
    static func inside(origin: Double, length: Double, count: Int, share: (Double, Double, Int) -> Double) -> [Double] {
        let a = snap(origin), b = snap(origin + length)
        return (0..<count).map { j in
            let lo = max(a, Double(j)), hi = min(b, Double(j + 1))
            return hi > lo ? share(lo, hi, j) : 0
        }
    }

    /// Add the condition cells of rows `rows` (of the condition grid, within
    /// `conditionWindow`) whose states are `states` (row-major, `conditionWindow.cols` a
    /// row) into `hold` and `nodata` (the value window's cells, row-major), which start at 0.
    /// Call for successive strips to bound memory, then `finish`.
    public func add(rows: Range<Int>, states: UnsafePointer<UInt8>, hold: UnsafeMutablePointer<Double>,
                    nodata: UnsafeMutablePointer<Double>) {
        guard cols > 0 else { return }
        let lineH = UnsafeMutablePointer<Double>.allocate(capacity: 2 * cols)
        defer { lineH.deallocate() }
        let lineN = lineH + cols
        colStart.withUnsafeBufferPointer { cs in colTarget.withUnsafeBufferPointer { ct in colShare.withUnsafeBufferPointer { csh in
            for cr in rows {
                let ri = cr - conditionWindow.row
                let r0 = rowStart[ri], r1 = rowStart[ri + 1]
                guard r1 > r0 else { continue }
                lineH.update(repeating: 0, count: 2 * cols)
                let src = states + (cr - rows.lowerBound) * conditionWindow.cols
                var any = false
                for cc in 0..<conditionWindow.cols {
                    let st = src[cc]
                    guard st != ConditionState.fails else { continue }
                    any = true
                    let line = st == ConditionState.holds ? lineH : lineN
                    for k in cs[cc]..<cs[cc + 1] { line[ct[k]] += csh[k] }
                }
                guard any else { continue }
                for k in r0..<r1 {
                    let off = rowTarget[k] * cols, s = rowShare[k]
                    for j in 0..<cols {
                        hold[off + j] += lineH[j] * s
                        nodata[off + j] += lineN[j] * s
                    }
                }
            }
        } } }
    }

    /// After the last strip: add each value cell's share outside the condition grid to
    /// `nodata`, and keep both shares within [0, 1] (sums of shares may round past 1).
    public func finish(hold: UnsafeMutablePointer<Double>, nodata: UnsafeMutablePointer<Double>) {
        for t in 0..<rows {
            let ri = rowInside[t]
            for j in 0..<cols {
                let i = t * cols + j
                let outside = max(0, 1 - ri * colInside[j])
                hold[i] = min(1, hold[i])
                nodata[i] = min(1 - hold[i], nodata[i] + outside)
            }
        }
    }

    /// The shares for the whole window at once, from the states of all of `conditionWindow`
    /// (for tests and small windows; the engine adds strips).
    public func shares(states: [UInt8]) -> (hold: [Double], nodata: [Double]) {
        precondition(states.count == conditionWindow.cellCount)
        var hold = [Double](repeating: 0, count: rows * cols), nodata = hold
        hold.withUnsafeMutableBufferPointer { h in nodata.withUnsafeMutableBufferPointer { n in
            if !conditionWindow.isEmpty { states.withUnsafeBufferPointer { s in
                add(rows: conditionWindow.row..<conditionWindow.rowEnd, states: s.baseAddress!, hold: h.baseAddress!, nodata: n.baseAddress!)
            } }
            finish(hold: h.baseAddress!, nodata: n.baseAddress!)
        } }
        return (hold, nodata)
    }
}

/// Per value cell of a window, the share of its area where a condition holds and the share
/// where the condition raster has no value (row-major, aligned with the values read).
public struct CellShares {
    public var hold: UnsafePointer<Double>
    public var nodata: UnsafePointer<Double>
    public init(hold: UnsafePointer<Double>, nodata: UnsafePointer<Double>) { self.hold = hold; self.nodata = nodata }
}
