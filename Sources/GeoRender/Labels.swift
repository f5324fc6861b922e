import Foundation
import GeoCore

// Map labels placed greedily: highest priority first (outline names, then units by area),
// each tried at its unit's label spot, then at nearby spots inside the unit; a label whose
// box would overlap one already placed, or that fits nowhere in its unit, is dropped.

/// The font stack of maps and reports: Noto Sans for Latin, Noto Sans Myanmar (Debian's
/// fonts-noto-core) for Myanmar script, so TS_MMR names render as letters, not boxes.
public let mapFontFamily = "Noto Sans, Noto Sans Myanmar, DejaVu Sans, Verdana, Arial, sans-serif"

/// The width of `text` in px at `size`, as an upper estimate of Noto Sans (Myanmar): per
/// character, wide Latin letters 0.9 em, narrow ones 0.36, other capitals 0.72, the rest
/// 0.64; Myanmar letters 1.2 em, spacing vowel signs 0.5, combining marks and consonants
/// stacked under a virama nothing. Bold text is 8% wider.
public func labelWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
    var em = 0.0
    var previous: Unicode.Scalar = " "
    for c in text.unicodeScalars {
        let v = c.value, cat = c.properties.generalCategory
        if (0x1000...0x109F).contains(v) {
            if cat == .nonspacingMark || previous.value == 0x1039 { } else if cat == .spacingMark { em += 0.5 } else { em += 1.2 }
        } else if cat == .nonspacingMark || cat == .format || cat == .enclosingMark {
        } else if c == " " { em += 0.28 }
        else if "MWmw".unicodeScalars.contains(c) { em += 0.9 }
        else if "ijlftrI()".unicodeScalars.contains(c) { em += 0.36 }
        else if cat == .uppercaseLetter { em += 0.72 }
        else if v >= 0x2E80 { em += 1.0 }
        else { em += 0.64 }
        previous = c
    }
    return em * size * (bold ? 1.08 : 1)
}

/// A label's box height, as a multiple of the font size (Myanmar stacks need more than Latin).
public let labelHeightEm = 1.25
/// A label's baseline sits this many em below its box's centre.
public let labelBaselineEm = 0.35

/// One label to place: its text, size, and the unit it belongs in (pixel rings of its
/// largest polygon, shell first; its area orders the units).
struct LabelRequest {
    var index: Int
    var text: String
    var size: Double
    var bold: Bool
    var rings: [[Point]]
    /// How far past its unit's inside stretch the label may reach (1.15: 15% wider).
    var spill = 1.15
    var spot: (x: Double, y: Double, width: Double, height: Double)
    /// The unit's (largest polygon's) area, px².
    var area: Double
}

/// A label placed at centre (x, y), with its box.
struct PlacedLabel {
    var index: Int
    var x: Double, y: Double
    var box: Box
}

/// Boxes already placed, bucketed on a coarse grid so a layer of thousands of units stays fast.
struct LabelBoxes {
    private var cells: [Int: [Box]] = [:]
    private let cell = 48.0

    private func keys(_ b: Box) -> [Int] {
        var k: [Int] = []
        for i in Int((b.xmin / cell).rounded(.down))...Int((b.xmax / cell).rounded(.down)) {
            for j in Int((b.ymin / cell).rounded(.down))...Int((b.ymax / cell).rounded(.down)) { k.append(i &* 100_003 &+ j) }
        }
        return k
    }
    func overlaps(_ b: Box) -> Bool {
        keys(b).contains { k in cells[k]?.contains { $0.xmin < b.xmax && b.xmin < $0.xmax && $0.ymin < b.ymax && b.ymin < $0.ymax } ?? false }
    }
    mutating func insert(_ b: Box) { for k in keys(b) { cells[k, default: []].append(b) } }
}

/// The inside stretches of the horizontal line at `y` through `rings` (even-odd), sorted.
func insideStretches(_ rings: [[Point]], y: Double) -> [(Double, Double)] {
    var xs: [Double] = []
    for r in rings {
        for i in 0..<r.count {
            let p = r[i], q = r[(i + 1) % r.count]
            if (p.y <= y) != (q.y <= y) { xs.append(p.x + (y - p.y) / (q.y - p.y) * (q.x - p.x)) }
        }
    }
    xs.sort()
    return stride(from: 0, to: xs.count - 1, by: 2).map { (xs[$0], xs[$0 + 1]) }
}

/// Place `requests` in order (the caller sorts them by priority) inside a frame of
/// `width` × `height` px, avoiding `taken` boxes; returns the labels placed.
func placeLabels(_ requests: [LabelRequest], width: Double, height: Double, boxes taken: inout LabelBoxes) -> [PlacedLabel] {
    var placed: [PlacedLabel] = []
    for r in requests {
        let tw = labelWidth(r.text, size: r.size, bold: r.bold), th = r.size * labelHeightEm
        // Room: the label may be `spill` times as wide as its unit's inside stretch (1.5 in a
        // unit at least twice the label's area, which stays recognisable as its own), and
        // needs the unit to be at least as tall as the text at its centre.
        let need = tw / (r.area >= 2 * tw * th ? max(r.spill, 1.5) : r.spill)
        guard r.spot.height >= r.size else { continue }
        // The spot first, then rows above and below it, nearest first, across the unit's
        // height (a long, narrow unit may be wide enough only far from its centroid).
        var candidates: [(Double, Double)] = [(r.spot.x, r.spot.y)]
        let ys = (r.rings.first ?? []).map(\.y)
        let top = ys.min() ?? r.spot.y, bottom = ys.max() ?? r.spot.y
        let step = max(r.size * 0.75, (bottom - top) / 24)
        var k = 1
        while r.spot.y - Double(k) * step > top || r.spot.y + Double(k) * step < bottom {
            for dy in [-Double(k) * step, Double(k) * step] {
                let y = r.spot.y + dy
                guard y > top, y < bottom else { continue }
                for (a, b) in insideStretches(r.rings, y: y) where b - a >= need {
                    let slack = (b - a - need) / 2
                    candidates += [((a + b) / 2, y), ((a + b) / 2 - slack / 2, y), ((a + b) / 2 + slack / 2, y)]
                }
            }
            k += 1
        }
        for (x, y) in candidates {
            let box = Box(xmin: x - tw / 2, ymin: y - th / 2, xmax: x + tw / 2, ymax: y + th / 2)
            // Half a pixel of margin each side: boxes stay apart after rounding to 0.1 px.
            let padded = Box(xmin: box.xmin - 0.5, ymin: box.ymin - 0.5, xmax: box.xmax + 0.5, ymax: box.ymax + 0.5)
            guard box.xmin >= 0, box.xmax <= width, box.ymin >= 0, box.ymax <= height, !taken.overlaps(padded) else { continue }
            guard fits(r.rings, x: x, y: y, need: need, tall: r.size * 0.4) else { continue }
            taken.insert(padded)
            placed.append(PlacedLabel(index: r.index, x: x, y: y, box: box))
            break
        }
    }
    return placed
}

/// Whether a label of width `need` centred at (x, y) lies in one inside stretch of its
/// centre row, and the rows `tall` above and below are inside the unit at x.
private func fits(_ rings: [[Point]], x: Double, y: Double, need: Double, tall: Double) -> Bool {
    guard insideStretches(rings, y: y).contains(where: { $0.0 <= x - need / 2 && x + need / 2 <= $0.1 }) else { return false }
    for dy in [-tall, tall] where !insideStretches(rings, y: y + dy).contains(where: { $0.0 <= x && x <= $0.1 }) { return false }
    return true
}

/// Labels as SVG `<text>` elements (centre-anchored, baseline `labelBaselineEm` below the centre).
func labelsGroupSVG(_ placed: [PlacedLabel], texts: [String], id: String, size: Double, bold: Bool, offset: (Double, Double)) -> String {
    var t = "<g id=\"\(id)\" font-size=\"\(f1(size))\"\(bold ? " font-weight=\"bold\"" : "") text-anchor=\"middle\" fill=\"#222\" stroke=\"#fff\" stroke-width=\"\(bold ? 3 : 2)\" stroke-opacity=\"0.8\" paint-order=\"stroke\">\n"
    for p in placed {
        t += "<text x=\"\(f1(offset.0 + p.x))\" y=\"\(f1(offset.1 + p.y + size * labelBaselineEm))\">\(xmlEscape(texts[p.index]))</text>\n"
    }
    return t + "</g>\n"
}
