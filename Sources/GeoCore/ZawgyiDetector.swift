import Foundation

// Zawgyi or Unicode? Until about 2019 most Myanmar text was typed in the Zawgyi font
// encoding, which reuses the code points of the Myanmar block with other meanings. The
// two cannot be told apart by their code points alone, only by which sequences are
// likely: this is Google myanmar-tools' detector (Apache-2.0), a pair of Markov chains
// over code points (one trained on Unicode text, one on Zawgyi) whose model ships as
// `ZawgyiModelData.swift`. Ported from its published algorithm and model format:
//
// - Each code point is a state: U+1000-103F, U+104A-109F (the Myanmar block less its
//   digits), U+AA60-AA7F (Extended-A), U+A9E0-A9FF (Extended-B) and, in models of
//   version 2 with "ssv" 0 like this one, U+2000-200B (spaces, zero-width space) have a
//   state each; every other code point is state 0 ("foreign").
// - The model stores, for each transition (state a -> state b), the difference of the
//   two chains' log probabilities, ln P_unicode - ln P_zawgyi.
// - A string's score sums that difference over its transitions, from state 0 before the
//   first code point to state 0 after the last, skipping 0 -> 0 transitions. The
//   probability that the string is Zawgyi, given that it is one or the other, is then
//   1 / (1 + e^sum). No transition at all (no code point of those ranges): -infinity.
//
// The PyPI package (myanmartools 1.2.1) finds a code point's state by a binary search of
// the ranges in the order above, which is not sorted: it takes U+A9E0-A9FF, U+AA75-AA7F
// and U+2000-200B for foreign characters. This port gives them their states, as the Java
// reference does; strings with none of those code points score the same in both.

/// The Zawgyi/Unicode detector: myanmar-tools' Markov model over code points.
public struct ZawgyiDetector: Sendable {
    /// The detector with the bundled model (myanmar-tools' zawgyiUnicodeModel.dat).
    public static let shared: ZawgyiDetector = {
        guard let data = Data(base64Encoded: zawgyiModelBase64, options: .ignoreUnknownCharacters),
              let d = try? ZawgyiDetector(model: [UInt8](data)) else {
            fatalError("the bundled Zawgyi model does not read (Sources/GeoCore/ZawgyiModelData.swift)")
        }
        return d
    }()

    /// States per side of the transition table.
    public let size: Int
    /// Whether U+2000-200B have states (model version 2, ssv 0; always for version 1).
    public let spaceStates: Bool
    /// ln P_unicode - ln P_zawgyi of each transition, row (from) major: size x size.
    private let logRatio: [Float]

    /// Read a model in myanmar-tools' binary format: "UZMODEL " and its version (1, or 2
    /// followed by the ssv), then "BMARKOV " version 0, the number of states, and per
    /// state a count of special transitions, a default value and the (index, value)
    /// pairs; big-endian 16-bit integers and 32-bit floats.
    public init(model bytes: [UInt8]) throws {
        var r = ModelReader(bytes)
        let bad = GeoKitError.internal("Zawgyi model: not a myanmar-tools model file")
        guard try r.tag() == "UZMODEL " else { throw bad }
        switch try r.int32() {
        case 1: spaceStates = true
        case 2:
            let ssv = try r.int32()
            guard ssv == 0 || ssv == 1 else { throw bad }
            spaceStates = ssv == 0
        default: throw bad
        }
        guard try r.tag() == "BMARKOV ", try r.int32() == 0 else { throw bad }
        let n = Int(try r.int16())
        guard n == (spaceStates ? 227 : 215) else { throw bad }
        var table = [Float](repeating: 0, count: n * n)
        for from in 0..<n {
            let count = Int(try r.int16())
            guard count > 0 else { continue }
            let fallback = try r.float32()
            for to in 0..<n { table[from * n + to] = fallback }
            for _ in 0..<count {
                let to = Int(try r.int16())
                guard to >= 0 && to < n else { throw bad }
                table[from * n + to] = try r.float32()
            }
        }
        guard r.atEnd else { throw bad }
        size = n
        logRatio = table
    }

    /// The state of a code point: 1... for the model's ranges, 0 for any other.
    @inline(__always)
    public func state(_ v: UInt32) -> Int {
        switch v {
        case 0x1000...0x103F: return Int(v - 0x1000) + 1
        case 0x104A...0x109F: return Int(v - 0x104A) + 65
        case 0xAA60...0xAA7F: return Int(v - 0xAA60) + 151
        case 0xA9E0...0xA9FF: return Int(v - 0xA9E0) + 183
        case 0x2000...0x200B where spaceStates: return Int(v - 0x2000) + 215
        default: return 0
        }
    }

    /// The probability that `text` is Zawgyi given that it is Zawgyi or Unicode, between 0
    /// and 1; -infinity when it has no code point of the model's ranges.
    public func zawgyiProbability(_ text: String) -> Double {
        var total = 0.0, seen = false, previous = 0
        logRatio.withUnsafeBufferPointer { table in
            for c in text.unicodeScalars {
                let current = state(c.value)
                if previous != 0 || current != 0 {
                    total += Double(table[previous * size + current]); seen = true
                }
                previous = current
            }
            if previous != 0 { total += Double(table[previous * size]); seen = true }
        }
        return seen ? 1 / (1 + exp(total)) : -.infinity
    }
}

/// Big-endian fields of a model file.
private struct ModelReader {
    let bytes: [UInt8]
    var at = 0
    init(_ b: [UInt8]) { bytes = b }
    var atEnd: Bool { at == bytes.count }
    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard at + n <= bytes.count else { throw GeoKitError.internal("Zawgyi model: file ends early") }
        defer { at += n }
        return bytes[at..<(at + n)]
    }
    mutating func tag() throws -> String { String(decoding: try take(8), as: UTF8.self) }
    mutating func int32() throws -> Int32 { Int32(bitPattern: try take(4).reduce(0) { $0 << 8 | UInt32($1) }) }
    mutating func int16() throws -> Int16 { Int16(bitPattern: try take(2).reduce(0) { $0 << 8 | UInt16($1) }) }
    mutating func float32() throws -> Float { Float(bitPattern: try take(4).reduce(0) { $0 << 8 | UInt32($1) }) }
}
