import Foundation

// Errors and warnings point at the setting that fixes them ("choose one with --layer"), but
// the library has more than one front end: the command line calls a setting `--layer`,
// Python `layer=`. A message names a `Setting` by interpolation (`"choose one with
// \(Setting.layer)"`) and the front end in use words it: the style is chosen once per
// process, before any job runs, as a locale is (a process has one front end).

/// A setting of a run that a message can point the user at.
public enum Setting: String, Sendable, CaseIterable {
    case layer, `where`, pointsWhere = "points-where", layerWhere = "layer-where", buffer, hxl, table, part, partial
    case decimalComma = "decimal-comma", delimiter, checkCol = "check-col", idCol = "id-col"
    case breaks, outline, outlineName = "outline-name", myanmarText = "myanmar-text", allowDuplicateIDs = "allow-duplicate-ids"
    case country, variable = "var", raster, bands, minCoverage = "min-coverage", stats, weights
    case zones, id, rollup, gazetteer, output, merge, maxMemory = "max-memory", op, classes
    case emptySum = "empty-sum", by, level, column, indicator, stat, band, date, x, y

    /// How a front end words settings.
    public enum Style: Sendable {
        /// `--layer`: geotool's options.
        case commandLine
        /// `layer=`: keyword arguments (the Python package).
        case keyword
    }

    /// The style of this process's front end: `.commandLine` unless one sets another first.
    public static var style: Style {
        get { styleLock.lock(); defer { styleLock.unlock() }; return _style }
        set { styleLock.lock(); _style = newValue; styleLock.unlock() }
    }
    nonisolated(unsafe) private static var _style = Style.commandLine
    private static let styleLock = NSLock()

    /// The setting as `style` words it.
    public func worded(_ style: Style) -> String {
        switch style {
        case .commandLine: return "--" + rawValue
        case .keyword: return rawValue.replacingOccurrences(of: "-", with: "_") + "="
        }
    }

    /// The setting with a value as `style` writes it: `--where "TS = 'x'"`, `where="TS = 'x'"`.
    public func worded(_ style: Style, value: String, quoted: Bool) -> String {
        let v = quoted ? "\"\(value)\"" : value
        return style == .commandLine ? worded(style) + " " + v : worded(style) + v
    }
}

extension String.StringInterpolation {
    /// `"\(Setting.layer)"`: the setting as this process's front end words it.
    public mutating func appendInterpolation(_ setting: Setting) {
        appendLiteral(setting.worded(Setting.style))
    }

    /// `"\(Setting.where, "TS = 'x'")"`: the setting with its value (`quoted`: in double quotes).
    public mutating func appendInterpolation(_ setting: Setting, _ value: String, quoted: Bool = false) {
        appendLiteral(setting.worded(Setting.style, value: value, quoted: quoted))
    }
}
