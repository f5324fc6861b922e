import ArgumentParser

/// Which features of the zones file a command reads, as every command that reads zones
/// takes it (zonal, vector, join, map, report): one declaration, one help text.
struct ZoneFilterOptions: ParsableArguments {
    @Option(help: "Layer name in the zones file (default: the first layer).")
    var layer: String?

    @Option(name: .customLong("where"), help: ArgumentHelp("Only the zones matching this OGR attribute filter (SQL WHERE), e.g. \"ST_PCODE = 'MMR013'\".", valueName: "EXPR"))
    var whereFilter: String?
}
