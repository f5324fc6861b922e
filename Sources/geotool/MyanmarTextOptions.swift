import ArgumentParser
import GeoCore

/// `--myanmar-text`, the same for every command that reads names: what to do with
/// Zawgyi-encoded Myanmar text (docs/myanmar-text.md).
struct MyanmarTextOptions: ParsableArguments {
    @Option(name: .customLong("myanmar-text"),
            help: ArgumentHelp("Zawgyi-encoded Myanmar text: detect (report it, change nothing) or unicode (convert it to Unicode with ICU's Zawgyi-my, then NFC). (default: detect)",
                               valueName: "detect|unicode"), transform: choice())
    var mode: MyanmarTextMode = .detect
}

