import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Messages name settings through `Setting`, worded by the front end: every setting a message
/// can name is a real geotool option, and the keyword style leaves no command-line flag.
final class SettingNamesTests: XCTestCase {
    /// Every long option of every geotool command, from ArgumentParser's own description.
    private func geotoolLongOptions() throws -> Set<String> {
        let run = try runGeotool(["--experimental-dump-help"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let root = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        var names = Set<String>()
        func walk(_ c: [String: Any]) {
            for a in c["arguments"] as? [[String: Any]] ?? [] {
                for n in a["names"] as? [[String: Any]] ?? [] where n["kind"] as? String == "long" { names.insert(n["name"] as! String) }
            }
            for s in c["subcommands"] as? [[String: Any]] ?? [] { walk(s) }
        }
        walk(root["command"] as! [String: Any])
        return names
    }

    func testEverySettingIsAnOptionOfSomeCommand() throws {
        let options = try geotoolLongOptions()
        XCTAssertTrue(options.contains("where"), "the dump lists options")
        for s in Setting.allCases {
            XCTAssertTrue(options.contains(s.rawValue), "Setting.\(s) words as --\(s.rawValue), which no geotool command has")
        }
    }

    func testKeywordStyleNamesNoFlag() throws {
        Setting.style = .keyword
        defer { Setting.style = .commandLine }
        let zones = Fixtures.path("mimu/townships.json")
        XCTAssertThrowsError(try VectorDataset(path: zones).readZones(idField: "TS_PCODE", filter: "ST_PCOD = 'MMR013'")) { e in
            let m = (e as! GeoKitError).messageWithHint
            XCTAssertTrue(m.contains("where=\"ST_PCOD = 'MMR013'\""), m)
            XCTAssertFalse(m.contains("--"), m)
        }
        XCTAssertEqual("\(Setting.allowDuplicateIDs)", "allow_duplicate_ids=")
        Setting.style = .commandLine
        XCTAssertThrowsError(try VectorDataset(path: zones).readZones(idField: "TS_PCODE", filter: "ST_PCOD = 'MMR013'")) { e in
            XCTAssertTrue((e as! GeoKitError).message.contains("--where \"ST_PCOD = 'MMR013'\""), "\(e)")
        }
    }

    /// Outside the CLI, messages name settings through `Setting` and other runs through
    /// `Remedy`: no line of code there spells a flag or a geotool command line in a string.
    /// (JobScript.swift writes shell command lines on purpose; the report's CSS has custom
    /// properties; a part file's header records raster specs with their `--var`; a PNG map is
    /// drawn by running rsvg-convert with its own options.)
    func testLibrarySpellsNoFlagNorCommandLine() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let flag = try NSRegularExpression(pattern: #"--(\\\(|[a-z][a-z-]*)|geotool (zonal|batch|info|merge|join|map|report|vector) -"#)
        let allowed: [String: Set<String>] = ["JobScript.swift": ["*"], "Report.swift": ["--ink", "--muted", "--line"],
                                              "ZonalParts.swift": ["--var"],
                                              "MapInputs.swift": ["--zoom", "--background-color", "--format"]]
        var found: [String] = []
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }
        for rel in files where rel.hasSuffix(".swift") && !rel.hasPrefix("geotool/") {
            let name = (rel as NSString).lastPathComponent
            let text = try String(contentsOfFile: sources.appendingPathComponent(rel).path, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard code.contains("\""), !code.hasPrefix("//") else { continue }
                let s = String(line)
                for m in flag.matches(in: s, range: NSRange(s.startIndex..., in: s)) {
                    let token = (s as NSString).substring(with: m.range)
                    if allowed[name]?.contains("*") == true || allowed[name]?.contains(token) == true { continue }
                    found.append("\(rel):\(n + 1): \(token)")
                }
            }
        }
        XCTAssertEqual(found, [], "library strings that spell a flag or a command line")
    }

    /// A remedy reads as a command line in geotool and in the library's own words elsewhere.
    func testARemedyIsWordedByTheFrontEnd() throws {
        let dir = Fixtures.tempDir()
        let notAPart = dir + "/rain.part"
        try Data("not a part".utf8).write(to: URL(fileURLWithPath: notAPart))
        let r = try runGeotool(["merge", notAPart, "-o", dir + "/out.csv"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("\(notAPart): not a geotool part file (write one with geotool zonal --part I/N --partial rain.part)"), r.stderr)
        let e = GeoKitError.input(notAPart, "not a geotool part file", remedy: .writeZonalPart(partial: "rain.part"))
        XCTAssertFalse(e.messageWithHint.contains("geotool zonal") || e.messageWithHint.contains("--"), e.messageWithHint)
        XCTAssertTrue(e.messageWithHint.hasSuffix("(write one with a zonal run split into parts, to rain.part)"), e.messageWithHint)
    }
}
