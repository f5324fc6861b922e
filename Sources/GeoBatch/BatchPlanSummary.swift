import Foundation
import GeoCore

// What `geotool batch` says of a plan and a run, as values: the CLI words them.

/// A dry run's plan for one indicator: its files, and which a run would compute.
public struct IndicatorPlan: Sendable {
    public var indicator: String
    public var items: [BatchPlanItem]

    public init(indicator: String, items: [BatchPlanItem]) {
        self.indicator = indicator; self.items = items
    }

    /// The new and changed files.
    public var toCompute: [BatchPlanItem] { items.filter { $0.status != .unchanged } }
    /// The bands of the new and changed files.
    public var bandsToCompute: Int { toCompute.reduce(0) { $0 + $1.bands } }
    public var unchangedFiles: Int { items.count - toCompute.count }
}

extension BatchManifest {
    /// `plan` by indicator, in the manifest's order (an indicator with no file has no items).
    public func plansByIndicator(_ plan: [BatchPlanItem]) -> [IndicatorPlan] {
        indicators.map { ind in IndicatorPlan(indicator: ind.name, items: plan.filter { $0.indicator == ind.name }) }
    }
}

extension BatchReport {
    /// The tables a run without raster work rewrote from the cache: those written, less
    /// vector.csv when its layers were computed anew.
    public var tablesRewrittenFromCache: [String] { tablesWritten.filter { !(vectorComputed && $0 == "vector") } }
}
