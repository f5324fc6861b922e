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
}
