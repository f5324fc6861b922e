import Foundation
import GeoCore

extension Table {
    /// Write an Excel workbook (XLSXSheet.swift builds the parts, ZipWriter zips them): one sheet
    /// `layerName` with every row, or one sheet per layer part. The HXL row, when the table
    /// has one, is the second row of each sheet. Written atomically, or to `temporary` when
    /// a caller's `writeAtomically` gives one; errors name `path`, never the temporary.
    public func writeXLSX(to path: String, temporary: String? = nil, layerName: String, layers: [OGRLayerPart]? = nil) throws {
        guard let temporary else {
            try writeAtomically(path) { try writeXLSX(to: path, temporary: $0, layerName: layerName, layers: layers) }
            return
        }
        let sheets = layers.map { $0.map { XLSXSheet(name: $0.name, table: self, rows: $0.rows) } }
            ?? [XLSXSheet(name: layerName, table: self)]
        // Excel opens no sheet beyond these; a larger table belongs in CSV or a GeoPackage.
        for sheet in sheets where sheet.headerRows + (sheet.rows?.count ?? rows.count) > 1_048_576 || columns.count > 16_384 {
            throw GeoKitError(.argument, file: path, "\(sheet.rows?.count ?? rows.count) rows and \(columns.count) columns do not fit an Excel sheet (at most 1,048,576 rows and 16,384 columns)",
                              hint: "write .csv or .gpkg")
        }
        let zip = try ZipWriter(path: temporary, displayPath: path)
        for part in xlsxParts(sheets) { try zip.add(part.path, part.bytes) }
        try zip.close()
    }
}
