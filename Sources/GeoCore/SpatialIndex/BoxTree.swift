import Foundation

// MARK: - Packed STR tree of boxes

/// A static R-tree (Sort-Tile-Recursive packing) of boxes: plain arrays, safe to share
/// read-only between threads. Empty boxes are left out.
package struct BoxTree: Sendable {
    package static let nodeSize = 16
    package var minX: [Double] = [], minY: [Double] = [], maxX: [Double] = [], maxY: [Double] = []
    /// Leaves: the item; nodes: first child position.
    package var ref: [Int32] = []
    /// Nodes: end of children.
    package var refEnd: [Int32] = []
    package var leaves = 0

    package init(_ boxes: [Box]) {
        var items = boxes.indices.filter { !boxes[$0].isEmpty }
        leaves = items.count
        guard leaves > 0 else { return }
        let m = Self.nodeSize
        // Hilbert order of the box centres: consecutive runs are compact at every level.
        var ext = Box.empty
        for i in items { ext = ext.union(boxes[i]) }
        let w = max(ext.width, 1e-300), h = max(ext.height, 1e-300)
        var key = [UInt32](repeating: 0, count: boxes.count)
        for i in items {
            let cx = ((boxes[i].xmin + boxes[i].xmax) / 2 - ext.xmin) / w
            let cy = ((boxes[i].ymin + boxes[i].ymax) / 2 - ext.ymin) / h
            key[i] = hilbert(UInt32(min(65535, max(0, cx * 65535))), UInt32(min(65535, max(0, cy * 65535))))
        }
        items.sort { (key[$0], $0) < (key[$1], $1) }
        for i in items {
            let b = boxes[i]
            minX.append(b.xmin); minY.append(b.ymin); maxX.append(b.xmax); maxY.append(b.ymax)
            ref.append(Int32(i)); refEnd.append(0)
        }
        var start = 0, end = leaves
        while end - start > 1 {
            var j = start
            while j < end {
                let je = min(end, j + m)
                var b = Box.empty
                for k in j..<je { b = b.union(Box(xmin: minX[k], ymin: minY[k], xmax: maxX[k], ymax: maxY[k])) }
                minX.append(b.xmin); minY.append(b.ymin); maxX.append(b.xmax); maxY.append(b.ymax)
                ref.append(Int32(j)); refEnd.append(Int32(je))
                j = je
            }
            start = end; end = minX.count
        }
    }

    package func deepCopy() -> BoxTree {
        var t = self
        t.minX = minX.map { $0 }; t.minY = minY.map { $0 }; t.maxX = maxX.map { $0 }; t.maxY = maxY.map { $0 }
        t.ref = ref.map { $0 }; t.refEnd = refEnd.map { $0 }
        return t
    }

    /// Append the items whose boxes intersect `b` (closed boxes: touching counts).
    package func query(_ b: Box, into out: inout [Int32], stack: inout [Int32]) {
        guard leaves > 0 else { return }
        let root = minX.count - 1
        @inline(__always) func hit(_ k: Int) -> Bool {
            minX[k] <= b.xmax && b.xmin <= maxX[k] && minY[k] <= b.ymax && b.ymin <= maxY[k]
        }
        guard hit(root) else { return }
        if root < leaves { out.append(ref[root]); return }
        stack.removeAll(keepingCapacity: true)
        stack.append(Int32(root))
        while let p = stack.popLast() {
            let s = Int(ref[Int(p)]), e = Int(refEnd[Int(p)])
            for k in s..<e where hit(k) {
                if k < leaves { out.append(ref[k]) } else { stack.append(Int32(k)) }
            }
        }
    }
}

/// Position of (x, y) (16 bits each) along a Hilbert curve (after flatbush, ISC licence).
