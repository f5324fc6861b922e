import Foundation

/// Text that is not UTF-8 (a register saved by Excel in a Western code page, an old
/// shapefile): decoded as Windows-1252, the usual legacy encoding of such files, else as
/// Latin-1, which maps every byte. Callers warn that they did so: the guess can be wrong.
public func decodeLegacyText<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    if let s = String(data: Data(bytes), encoding: .windowsCP1252) { return s }
    return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
}

/// True when `bytes` are valid UTF-8.
public func isValidUTF8<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
    String(validating: bytes, as: UTF8.self) != nil
}
