/// A table's shape: wide (one row per unit, a column per indicator) or long (one row per unit
/// x indicator x statistic x band). In GeoCore so that a batch manifest is read without GDAL.
public enum TableFormat: String, Sendable, CaseIterable { case wide, long }
