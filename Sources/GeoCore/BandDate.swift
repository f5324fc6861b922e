import Foundation

/// A band date as written in `.bands.txt`, band descriptions and file names: YYYY,
/// YYYY-MM or YYYY-MM-DD, with a real month and day.
public func isBandDate(_ s: String) -> Bool {
    guard s.range(of: #"^\d{4}(-\d{2}(-\d{2})?)?$"#, options: .regularExpression) != nil else { return false }
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
