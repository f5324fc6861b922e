import Foundation

/// A value made safe for a column name: letters and digits kept (any script), the rest `_`.
package func columnSlug(_ s: String) -> String {
    var out = ""
    for ch in s.lowercased() { out.append(ch.isLetter || ch.isNumber ? ch : "_") }
    return out
}
