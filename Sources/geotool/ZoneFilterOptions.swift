import ArgumentParser

/// Which features of the zones file a command reads, as every command that reads zones
/// takes it (zonal, vector, join, map, report): one declaration, one help text.
struct ZoneFilterOptions: ParsableArguments {
    @Option(help: "Layer name in the zones file (default: the first layer).")
    var layer: String?

    @Option(name: .customLong("where"), help: ArgumentHelp("Only the zones matching this OGR attribute filter (SQL WHERE), e.g. \"ST_PCODE = 'MMR013'\".", valueName: "EXPR"))
    var whereFilter: String?
}

/// The zones of a command that needs them (zonal, vector, join, map): the file, its layer
/// and filter, and the P-code field. `report`, whose zones are optional, declares its own
/// `--zones` and `--id` beside `ZoneFilterOptions`.
struct ZoneOptions: ParsableArguments {
    @Option(help: "Zones layer: any OGR vector (GeoPackage, GeoJSON, TopoJSON, shapefile...), in any CRS.")
    var zones: String

    @OptionGroup var filter: ZoneFilterOptions

    @Option(help: "Zone field holding each zone's P-code, e.g. TS_PCODE.")
    var id: String
}
