/// `s` as one word for a POSIX shell: as it is when it holds only safe characters, else in
/// single quotes. The sidecars' command lines and the job scripts of `--emit` use it.
public func shellQuote(_ s: String) -> String {
    if s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }) && !s.isEmpty { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
