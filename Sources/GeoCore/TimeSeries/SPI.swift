import Foundation

// The Standardized Precipitation Index (McKee et al. 1993; WMO-No. 1090) of a monthly
// series, as the climate-indices package computes it (`indices.spi` with
// `Distribution.gamma`, `Periodicity.monthly` and its default "classic" zeros):
//
// 1. negative values are set to 0; the series is summed over `scale` months (a sum with a
//    missing month is missing, and so are the first scale − 1 months);
// 2. per calendar month, over the baseline years: the share of zero sums p0 (zeros /
//    values present), and a gamma distribution fitted to the positive sums by Thom's
//    approximation of the maximum-likelihood estimate: A = ln(mean) − mean(ln x),
//    α = (1 + √(1 + 4A/3)) / 4A, β = mean / α;
// 3. each sum's probability p0 + (1 − p0) G(x; α, β) (G = 0 for a zero sum; p0 = 1, a
//    month whose baseline sums are all zero, counts as p0 = 0, so its zeros give −3.09),
//    turned into a standard normal value Φ⁻¹ and clipped to ±3.09.
//
// One rule of ours: a calendar month whose baseline holds fewer sums than `minValidShare`
// of the baseline's years gets no SPI at all (empty), where climate-indices would fit
// whatever sums there are. With every month present the two agree.

public enum SPI {
    /// SPI values are clipped to ±3.09 (climate-indices' bounds).
    public static let bound = 3.09

    /// The SPI of every month of `series` at `scale` months, fitted over `baseline` (years).
    public static func compute(_ series: MonthlySeries, scale: Int, baseline: ClosedRange<Int>, minValidShare: Double) -> [Double] {
        compute(series, scales: [scale], baseline: baseline, minValidShare: minValidShare)[0]
    }

    /// `compute` at each of `scales`, in order: the negatives set to 0 once for all the
    /// scales, and the calendar months' buffers made once (a batch asks for 1, 3, 6 and 12
    /// months of every zone).
    public static func compute(_ series: MonthlySeries, scales: [Int], baseline: ClosedRange<Int>, minValidShare: Double) -> [[Double]] {
        let values = nonNegative(series.values)
        var months = CalendarMonths(first: series.firstYear * 12 + series.firstMonth - 1, count: values.count)
        return scales.map { months.spi(scaledSums(values, scale: $0), baseline: baseline, minValidShare: minValidShare) }
    }

    /// The buffers of one series' calendar months, made once and reused from month to month
    /// and scale to scale: `append` per value called the runtime's uniqueness check each
    /// time, and an array per month cost an allocation (and a metadata lookup).
    struct CalendarMonths {
        /// The series' first step, in months since year 0.
        let first: Int
        var calibration: [Double], monthSums: [Double], probabilities: [Double] = []

        init(first: Int, count: Int) {
            self.first = first
            calibration = [Double](repeating: 0, count: (count + 11) / 12)
            monthSums = calibration
            probabilities.reserveCapacity(calibration.count)
        }

        /// The SPI of every step of `sums` (the series' scaled sums).
        mutating func spi(_ sums: [Double], baseline: ClosedRange<Int>, minValidShare: Double) -> [Double] {
            var out = [Double](repeating: .nan, count: sums.count)
            for month in 0..<12 {
                // The steps of this calendar month: i ≡ month − first (mod 12).
                let start = ((month - first) % 12 + 12) % 12
                let steps = start < sums.count ? (sums.count - start + 11) / 12 : 0
                guard let fit = gather(sums, start: start, steps: steps, baseline: baseline, minValidShare: minValidShare) else { continue }
                // The month's sums evaluated together: one shape and scale for all of them.
                monthSums.withUnsafeBufferPointer { fit.spi(UnsafeBufferPointer(rebasing: $0[..<steps]), into: &probabilities) }
                probabilities.withUnsafeBufferPointer { p in
                    out.withUnsafeMutableBufferPointer { out in
                        for k in 0..<steps { out[start + 12 * k] = p[k] }
                    }
                }
            }
            return out
        }

        /// The calendar month's sums (steps start, start + 12, ...) into `monthSums`, and its
        /// fit to those in the baseline's years that are present (in order), gathered from them
        /// into `calibration`; nil when fewer than `minValidShare` of the baseline's years.
        mutating func gather(_ sums: [Double], start: Int, steps: Int, baseline: ClosedRange<Int>, minValidShare: Double) -> Fit? {
            let firstYear = (first + start) / 12
            // The baseline's steps of the month: k with firstYear + k in the baseline.
            let kLow = min(steps, max(0, baseline.lowerBound - firstYear)), kHigh = max(kLow, min(steps, baseline.upperBound - firstYear + 1))
            return sums.withUnsafeBufferPointer { sums in
                monthSums.withUnsafeMutableBufferPointer { m in
                    for k in 0..<steps { m[k] = sums[start + 12 * k] }
                    return calibration.withUnsafeMutableBufferPointer { c in
                        var n = 0
                        for k in kLow..<kHigh where !m[k].isNaN {
                            c[n] = m[k]
                            n += 1
                        }
                        guard n > 0, Double(n) >= minValidShare * Double(baseline.count) else { return nil }
                        return Fit(UnsafeBufferPointer(rebasing: c[..<n]))
                    }
                }
            }
        }
    }

    /// The values with negatives set to 0 (NaN kept), written into a new buffer (a `map`
    /// appended value by value, checking the capacity each time).
    static func nonNegative(_ values: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: values.count) { out, count in
            values.withUnsafeBufferPointer { v in
                for i in v.indices { let x = v[i]; out[i] = x < 0 ? 0 : x }
            }
            count = values.count
        }
    }

    /// Sums over `scale` consecutive steps ending at each step; NaN for the first scale − 1
    /// steps and for any window holding a NaN.
    public static func scaledSums(_ values: [Double], scale: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: values.count) { out, count in
            values.withUnsafeBufferPointer { v in
                let n = v.count, first = min(n, max(scale - 1, 0))
                for i in 0..<first { out[i] = .nan }
                // Each window summed afresh in order (not a running sum: the same roundings as
                // ever), 8 windows at a time: lane j adds v[i + j − scale + 1 + k] for k = 0, 1, ...
                // (8 independent chains of additions where one window's chain waited on each add).
                var i = first
                if let base = v.baseAddress {
                    let raw = UnsafeRawPointer(base)
                    while i + 8 <= n {
                        var s = SIMD8<Double>(repeating: 0)
                        for k in (i - scale + 1)...i { s += raw.loadUnaligned(fromByteOffset: k * 8, as: SIMD8<Double>.self) }
                        for j in 0..<8 { out[i + j] = s[j] }
                        i += 8
                    }
                }
                while i < n {
                    var s = 0.0
                    for k in (i - scale + 1)...i { s += v[k] }
                    out[i] = s
                    i += 1
                }
            }
            count = values.count
        }
    }

    /// `z` within ±`bound` (NaN kept), without a branch: the comparisons select the bound
    /// (a loop the compiler vectorises; `min(bound, max(−bound, z))` of a value not NaN).
    @inline(__always) static func clipped(_ z: Double) -> Double {
        let low = z < -bound ? -bound : z
        return low > bound ? bound : low
    }

    /// One calendar month's fit: the probability of zero and the gamma parameters.
    public struct Fit: Sendable {
        public var probabilityOfZero: Double
        public var alpha: Double
        public var beta: Double
        let logGammaAlpha: Double

        /// Fitted to the baseline's sums (none missing).
        public init(_ sums: [Double]) {
            self = sums.withUnsafeBufferPointer { Fit($0) }
        }

        /// The same from memory (the sums `compute` gathers into a buffer of its own).
        init(_ sums: UnsafeBufferPointer<Double>) {
            var zeros = 0, positive = 0, sum = 0.0, sumLog = 0.0
            for x in sums {
                if x == 0 { zeros += 1 } else if x > 0 { positive += 1; sum += x; sumLog += log(x) }
            }
            probabilityOfZero = Double(zeros) / Double(sums.count)
            let n = Double(positive)
            let mean = sum / n, meanLog = sumLog / n
            let a = log(mean) - meanLog
            alpha = (1 + (1 + 4 * a / 3).squareRoot()) / (4 * a)
            beta = mean / alpha
            logGammaAlpha = alpha.isFinite && alpha > 0 ? GammaDistribution.logGamma(alpha) : .nan
        }

        public func spi(_ x: Double) -> Double {
            guard !x.isNaN else { return .nan }
            return index(x <= 0 ? 0 : GammaDistribution.cdf(x, shape: alpha, scale: beta, logGammaShape: logGammaAlpha))
        }

        /// `spi` of every sum of `xs`, into `out`: the gamma CDFs of the positive sums computed
        /// together (`GammaDistribution.cdf` of many values).
        public func spi(_ xs: [Double], into out: inout [Double]) {
            xs.withUnsafeBufferPointer { spi($0, into: &out) }
        }

        /// The same from memory (`compute`'s buffer of a calendar month's sums).
        func spi(_ xs: UnsafeBufferPointer<Double>, into out: inout [Double]) {
            GammaDistribution.cdf(xs, shape: alpha, scale: beta, logGammaShape: logGammaAlpha, into: &out)
            let p0 = probabilityOfZero >= 1 ? 0 : probabilityOfZero
            // Through buffer pointers: element by element, `out[k] =` on the inout array checked
            // its uniqueness by a call per value (a quarter of this function's own time).
            out.withUnsafeMutableBufferPointer { out in
                for k in xs.indices {
                    let x = xs[k]
                    out[k] = x.isNaN ? .nan : p0 + (1 - p0) * (x <= 0 ? 0 : out[k])
                }
            }
            // Φ⁻¹ of the probabilities together (`index`'s, value by value), then clipped.
            StandardNormal.quantiles(&out)
            out.withUnsafeMutableBufferPointer { out in
                for k in out.indices { out[k] = SPI.clipped(out[k]) }
            }
        }

        /// The index of a sum whose gamma CDF is `g`: p0 + (1 − p0) g as a standard normal value, clipped.
        func index(_ g: Double) -> Double {
            let p0 = probabilityOfZero >= 1 ? 0 : probabilityOfZero
            let z = StandardNormal.quantile(p0 + (1 - p0) * g)
            return z.isNaN ? .nan : min(SPI.bound, max(-SPI.bound, z))
        }
    }
}
