import Foundation
import GeoCore
import GeoGDAL

// How zones, their parents and the country are named in tables: name fields guessed from
// the code fields (TS for TS_PCODE), the country from the P-codes, and a gazetteer of
// child -> parent codes.

/// child -> parent from a CSV (or any table GDAL reads): first column child, second parent.
package func readGazetteer(_ path: String) throws -> [String: String] {
    let ds = try VectorDataset(path: path)
    let fields = try ds.fieldNames()
    guard fields.count >= 2 else { throw GeoKitError.input(path, "a gazetteer needs two columns, child and parent") }
    let l = try ds.readZones(idField: fields[0], includeFields: [fields[1]])
    var map: [String: String] = [:]
    for z in l.zones where !z.id.isEmpty && !z.attributes[0].isEmpty { map[z.id] = z.attributes[0] }
    return map
}

/// A text field naming the zones: TS for TS_PCODE, adm3_en for adm3_pcode, or NAME.
package func guessNameField(_ fields: [String], idField: String) -> String? {
    parentNameField(idField, fields) ?? fields.first { ["name", "name_en"].contains($0.lowercased()) }
}

package func parentNameField(_ codeField: String, _ fields: [String]) -> String? {
    let lower = codeField.lowercased()
    var candidates: [String] = []
    if lower.hasSuffix("_pcode") {
        let stem = String(codeField.dropLast(6))
        candidates += [stem, stem + "_EN", stem + "_en", stem + "_NAME", stem + "_name"]
    }
    if lower.hasPrefix("adm"), lower.hasSuffix("_pcode") { candidates += [String(codeField.prefix(4)) + "_en", String(codeField.prefix(4)) + "_name"] }
    return candidates.first { c in fields.contains(c) }
}

/// The country code of P-codes: their shared leading letters (MMR).
package func guessCountry(_ ids: [String]) -> String? {
    let prefixes = Set(ids.compactMap { id -> String? in
        let p = id.prefix { $0.isLetter && $0.isUppercase }
        return p.count == 3 ? String(p) : nil
    })
    return prefixes.count == 1 ? prefixes.first : nil
}

package func countryName(_ code: String) -> String { code == "MMR" ? "Myanmar" : "" }
