// Coverage-weighted quantiles, with exactextract's definition so results match it.
//
// The distinct values x_1 < ... < x_n carry weights w_i (summed coverage). With cumulative
// weights S_i, define s_1 = 0 and s_i = (i-1) w_i + (n-1) S_{i-1}. The q-quantile is found
// at s = q (n-1) S_n by linear interpolation between the neighbouring (s_i, x_i). With all
// weights equal this is the usual "type 7" quantile (numpy's default, linear).

public func weightedQuantile(_ q: Double, values: [(value: Double, weight: Double)]) -> Double? {
    let elems = values.filter { $0.weight > 0 }.sorted { $0.value < $1.value }
    guard !elems.isEmpty, q >= 0, q <= 1 else { return nil }
    let n = elems.count
    var s = [Double](repeating: 0, count: n)
    var cum = elems[0].weight
    for i in 1..<max(n, 1) where n > 1 {
        s[i] = Double(i) * elems[i].weight + Double(n - 1) * cum
        cum += elems[i].weight
    }
    let target = q * Double(n - 1) * cum
    // First element with s > target.
    var lo = 0, hi = n
    while lo < hi {
        let mid = (lo + hi) / 2
        if s[mid] > target { hi = mid } else { lo = mid + 1 }
    }
    if lo == 0 { return elems[0].value }
    if lo == n { return elems[n - 1].value }
    let l = elems[lo - 1], r = elems[lo]
    return l.value + (target - s[lo - 1]) * (r.value - l.value) / (s[lo] - s[lo - 1])
}
