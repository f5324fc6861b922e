// A by-hand micro-benchmark of SPI.compute (issue 24; docs/timeseries.md, Performance): the
// CPU time of SPI at scales 1, 3, 6 and 12 (baseline 1991-2020) for monthly series from a
// wide table of monthly means (geotool's, e.g. the bench tracts' precip.csv) or synthetic
// gamma-distributed rain (shapes 0.8-16 per calendar month). Not a test; not run by any
// script. Built from GeoCore's sources alone (with a stand-in MonthlySeries below):
//   swiftc -O -wmo -module-name GeoCore Sources/GeoCore/TimeSeries/{SPI,GammaDistribution,GammaTemme,GammaTemmeCoefficients,StandardNormal}.swift \
//     Benchmarks/spi_bench.swift -o /tmp/spi_bench
//   /tmp/spi_bench TABLE.csv|synthetic ZONES REPEATS [values.bin]
// (to compare with another commit, build its sources the same way; values.bin, the SPI
// values as raw doubles, lets a script compare the two). SCALES=1,3 picks the scales.
import Foundation

@main
struct SPIBench {
    static func main() {
        let args = CommandLine.arguments
        let source = args.count > 1 ? args[1] : "synthetic"
        let zoneCount = args.count > 2 ? Int(args[2])! : 1000
        let repeats = args.count > 3 ? Int(args[3])! : 5
        let series = source == "synthetic" ? synthetic(zoneCount) : table(source, zoneCount)
        let scales = (ProcessInfo.processInfo.environment["SCALES"] ?? "1,3,6,12").split(separator: ",").map { Int($0)! }
        var out: [Double] = [], times: [Double] = []
        for _ in 0..<repeats {
            out.removeAll(keepingCapacity: true)
            let t0 = cpuNow()
            for v in series {
                let m = MonthlySeries(firstYear: 1981, firstMonth: 1, values: v)
                for s in scales { out += SPI.compute(m, scale: s, baseline: 1991...2020, minValidShare: 0.8) }
            }
            times.append(Double(cpuNow() - t0) / 1e9)
        }
        times.sort()
        let median = times[times.count / 2], values = Double(series.count * scales.count * (series.first?.count ?? 0))
        print(String(format: "%@: %d zones, CPU median %.3f s (min %.3f) = %.1f ns per SPI value", source, series.count, median, times[0], median / values * 1e9))
        if args.count > 4 { _ = FileManager.default.createFile(atPath: args[4], contents: out.withUnsafeBufferPointer { Data(buffer: $0) }) }
    }

    static func cpuNow() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// The first `count` rows of a wide table (first column the zone, then one column per month).
    static func table(_ path: String, _ count: Int) -> [[Double]] {
        guard let file = fopen(path, "r") else { fatalError("cannot open \(path)") }
        defer { fclose(file) }
        var rows: [[Double]] = [], buffer = [CChar](repeating: 0, count: 1 << 20)
        _ = fgets(&buffer, Int32(buffer.count), file)   // header
        while rows.count < count, fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(cString: buffer).trimmingCharacters(in: .newlines)
            rows.append(line.split(separator: ",", omittingEmptySubsequences: false).dropFirst().map { Double($0) ?? .nan })
        }
        return rows
    }

    /// 516 months per zone: per calendar month a gamma distribution (shape 0.8-16, scale 5-35 mm).
    static func synthetic(_ count: Int) -> [[Double]] {
        var state: UInt64 = 42
        func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        func normal() -> Double { (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * .pi * uniform()) }
        func gamma(_ k: Double) -> Double {   // Marsaglia and Tsang
            if k < 1 { return gamma(k + 1) * pow(uniform(), 1 / k) }
            let d = k - 1.0 / 3, c = 1 / (9 * d).squareRoot()
            while true {
                let z = normal(), v = pow(1 + c * z, 3)
                if v > 0, log(uniform()) < 0.5 * z * z + d - d * v + d * log(v) { return d * v }
            }
        }
        return (0..<count).map { _ in
            let shapes = (0..<12).map { _ in 0.8 + 15 * uniform() }, scales = (0..<12).map { _ in 5 + 30 * uniform() }
            return (0..<516).map { i in gamma(shapes[i % 12]) * scales[i % 12] }
        }
    }
}

/// Stand-in for GeoCore's MonthlySeries (DatedSeries.swift needs the rest of GeoCore): what SPI reads.
public struct MonthlySeries {
    public var firstYear: Int, firstMonth: Int, values: [Double]
    public init(firstYear: Int, firstMonth: Int, values: [Double]) { self.firstYear = firstYear; self.firstMonth = firstMonth; self.values = values }
}
