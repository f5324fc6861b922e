import Foundation

/// A band date as written in `.bands.txt`, band descriptions and file names: YYYY,
/// YYYY-MM or YYYY-MM-DD, with a real month and day.
public func isBandDate(_ s: String) -> Bool {
    // ASCII digits only, checked byte by byte: a regex compiled per band cost a millisecond
    // a band on 10^2-10^3 bands, and its \d also took Myanmar digits (then Int() failed).
    let u = Array(s.utf8)
    guard u.count == 4 || u.count == 7 || u.count == 10 else { return false }
    for (i, b) in u.enumerated() {
        if i == 4 || i == 7 { if b != UInt8(ascii: "-") { return false } } else if b < 48 || b > 57 { return false }
    }
    let parts = s.split(separator: "-").map { Int($0)! }
    if parts.count >= 2, !(1...12).contains(parts[1]) { return false }
    if parts.count == 3 {
        let y = parts[0], m = parts[1]
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        if !(1...days).contains(parts[2]) { return false }
    }
    return true
}
