import Foundation

/// Metres in a distance such as `2km`, `500m`, `500` (metres) or `1.5 km`; nil when it is
/// not one, or not positive.
func parseDistance(_ text: String) -> Double? {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    let units: [(String, Double)] = [("km", 1000), ("m", 1)]
    for (suffix, metres) in units where t.hasSuffix(suffix) {
        guard let v = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v > 0, v.isFinite else { return nil }
        return v * metres
    }
    guard let v = Double(t), v > 0, v.isFinite else { return nil }
    return v
}
