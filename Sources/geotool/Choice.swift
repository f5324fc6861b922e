import ArgumentParser
import GeoCore
import GeoRender

/// A typed choice on the command line: the words are the type's raw values, parsed once
/// where the option is declared (no string checked in `validate()` and parsed again with
/// `!` in `run()`); a mistyped word gets one line with a "did you mean". ArgumentParser shows
/// no default for an option read through a transform: its help text says it.
func choice<T: CaseIterable & RawRepresentable>() -> @Sendable (String) throws -> T where T.RawValue == String {
    { word in
        let words = T.allCases.map(\.rawValue)
        guard let value = T(rawValue: word) else {
            // ArgumentParser says the value and the flag first ("The value 'zeros' is invalid
            // for '--empty-sum <empty|zero>': ").
            let list = words.count > 1 ? words.dropLast().joined(separator: ", ") + " or " + words.last! : words.joined()
            throw ValidationError("choose \(list)\(didYouMean(word, words))")
        }
        return value
    }
}

/// `--palette NAME` for `map` and `report` (any case, `_r` reversed): a did-you-mean on a slip.
@Sendable func paletteNamed(_ word: String) throws -> Palette {
    guard let p = Palette(named: word) else {
        throw ValidationError("choose \(Palette.names.joined(separator: ", "))\(didYouMean(word, Palette.names))")
    }
    return p
}
