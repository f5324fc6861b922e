import Foundation
import XCTest
import GeoTestSupport

/// geotool's start: before `main`, the dynamic loader binds about 65,800 symbols (libgdal and
/// most of its C++ dependencies are linked with BIND_NOW), each looked up object by object
/// from the front of the global scope. CGeo's module map names the libraries that provide
/// most bindings first, so they lead the scope. The figures come from glibc's own trace
/// (LD_DEBUG=scopes,bindings) of a real start.
final class StartupScopeTests: XCTestCase {
    struct Trace {
        /// The global scope: the executable, then its libraries in lookup order.
        var scope: [String]
        /// Bindings per providing library.
        var provided: [String: Int]
    }

    func trace() throws -> Trace {
        // The trace (8 MB) goes to a file of glibc's naming (PREFIX.PID): through a pipe it
        // would fill the pipe while the parent waits for the end of standard output.
        let dir = Fixtures.tempDir()
        var env = ProcessInfo.processInfo.environment
        env["LD_DEBUG"] = "scopes,bindings"
        env["LD_DEBUG_OUTPUT"] = dir + "/trace"
        let r = try runGeotool(["--version"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("trace.") }
        XCTAssertEqual(files.count, 1, "one process traced: \(files)")
        let text = try String(contentsOfFile: dir + "/" + XCTUnwrap(files.first), encoding: .utf8)
        var scope: [String] = []
        var named: [Substring: Int] = [:]
        for line in text.split(separator: "\n") {
            if scope.isEmpty, let s = line.range(of: "scope 0: ") {
                scope = line[s.upperBound...].split(separator: " ").map { resolved(String($0)) }
            } else if let to = line.range(of: " to "), line.contains("binding file ") {
                named[line[to.upperBound...].prefix { $0 != " " }, default: 0] += 1
            }
        }
        // The same library may be named by a link and by its file.
        let provided = Dictionary(named.map { (resolved(String($0.key)), $0.value) }, uniquingKeysWith: +)
        return Trace(scope: scope, provided: provided)
    }

    func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }

    /// Every library providing at least 5% of the bindings is within the scope's first 30
    /// objects, and a binding's provider is on average within the first 32. In GDAL's own
    /// order libxerces-c (13% of the bindings) was object 32 and libgeos (7%) object 63, an
    /// average of 37.6; with the module map's order they are objects 2 and 28, an average of
    /// 27.2.
    func testTheHeaviestProvidersLeadTheLoaderScope() throws {
        let t = try trace()
        let total = t.provided.values.reduce(0, +)
        XCTAssertGreaterThan(total, 10_000, "glibc's trace lists the start's bindings")
        XCTAssertGreaterThan(t.scope.count, 50, "the scope holds GDAL's dependencies")
        let position = Dictionary(t.scope.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (lib, n) in t.provided where n * 20 >= total {
            let p = try XCTUnwrap(position[lib], "\(lib) is in the scope")
            XCTAssertLessThan(p, 30, "\(lib) provides \(n) of \(total) bindings but is object \(p) of the scope")
        }
        let mean = Double(t.provided.reduce(0) { $0 + $1.value * (position[$1.key] ?? t.scope.count) }) / Double(total)
        XCTAssertLessThan(mean, 32, "a binding's provider is on average object \(mean) of the scope")
    }
}
