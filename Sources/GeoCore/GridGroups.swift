import Foundation

/// Items grouped by grid, in order of first appearance: one coverage pass serves every band
/// of a group (grids are the same when `Grid.isCompatible` says so).
public func groupByGrid<T>(_ items: [T], grid: (T) throws -> Grid) rethrows -> [(grid: Grid, members: [Int])] {
    var groups: [(grid: Grid, members: [Int])] = []
    for (i, item) in items.enumerated() {
        let g = try grid(item)
        if let k = groups.firstIndex(where: { $0.grid.isCompatible(with: g) }) {
            groups[k].members.append(i)
        } else {
            groups.append((g, [i]))
        }
    }
    return groups
}
