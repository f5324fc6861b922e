import XCTest
import GeoCore
import GeoTestSupport

/// `--emit slurm` on a real one-node Slurm cluster that the test starts (munged, slurmctld,
/// slurmd in a temporary folder) and stops: the script geotool prints is run as a user
/// would, and the merged table must equal the single run byte for byte.
final class SlurmTests: XCTestCase {
    let zonal = ["zonal", "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE", "--include-cols", "TS,DT_PCODE,ST_PCODE",
                 "--raster", "rain=" + Fixtures.path("mimu/rainfall_dekad.tif"), "--stats", "count,mean,median,p90,coverage",
                 "--rollup", "DT_PCODE,ST_PCODE", "--threads", "1", "--quiet"]

    func bytes(_ p: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: p)) }

    /// The cluster itself: a geotool run submitted with sbatch --wait writes what a direct run does.
    func testClusterRunsGeotool() throws {
        let cluster = try SlurmCluster()
        defer { cluster.stop() }
        let d = Fixtures.tempDir()
        let direct = try runGeotool(zonal + ["-o", d + "/direct.csv"])
        XCTAssertEqual(direct.status, 0, direct.stderr)
        let wrap = ([geotoolPath] + zonal + ["-o", d + "/slurm.csv"]).map(shellQuote).joined(separator: " ")
        let r = try cluster.run("sbatch", ["--wait", "--parsable", "--mem=600M", "--output=" + d + "/job.log", "--wrap", wrap])
        XCTAssertEqual(r.status, 0, r.stderr + ((try? String(contentsOfFile: d + "/job.log", encoding: .utf8)) ?? ""))
        XCTAssertEqual(try bytes(d + "/slurm.csv"), try bytes(d + "/direct.csv"))
    }

    /// The script of `--emit slurm --parts 4`: four array tasks and the merge job.
    func testEmittedScriptOnClusterEqualsSingleRun() throws {
        let cluster = try SlurmCluster()
        defer { cluster.stop() }
        let d = Fixtures.tempDir()
        let single = try runGeotool(zonal + ["-o", d + "/single.csv"])
        XCTAssertEqual(single.status, 0, single.stderr)
        let emit = try runGeotool(zonal + ["-o", d + "/split.csv", "--emit", "slurm", "--parts", "4", "--max-memory", "100"])
        XCTAssertEqual(emit.status, 0, emit.stderr)
        try emit.stdout.write(toFile: d + "/job.sh", atomically: true, encoding: .utf8)
        let r = try cluster.run("bash", [d + "/job.sh"], extraEnvironment: ["GEOTOOL_SLURM_WAIT": "1"])
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: d + "/split.csv.parts/logs")) ?? []).sorted()
            .map { (try? String(contentsOfFile: d + "/split.csv.parts/logs/" + $0, encoding: .utf8)) ?? "" }.joined()
        XCTAssertEqual(r.status, 0, r.stderr + logs)
        XCTAssertEqual(try bytes(d + "/split.csv"), try bytes(d + "/single.csv"))
        for i in 0..<4 { XCTAssertTrue(FileManager.default.fileExists(atPath: d + "/split.csv.parts/part-\(i).part")) }
    }

    /// `geotool batch --emit slurm`: the parts and `--merge` on the cluster give the tables of
    /// a plain batch run (needs batch --part/--merge, issue 14).
    func testEmittedBatchScriptOnClusterEqualsSingleRun() throws {
        let cluster = try SlurmCluster()
        defer { cluster.stop() }
        let d = Fixtures.tempDir()
        for run in ["single", "split"] {
            try FileManager.default.createDirectory(atPath: d + "/" + run, withIntermediateDirectories: true)
            try """
            zones: {path: \(Fixtures.path("mimu/townships.json")), id: TS_PCODE, include: [TS, ST_PCODE]}
            output: {dir: out}
            indicators:
              - name: rain
                source: \(Fixtures.path("mimu/rainfall_dekad.tif"))
                stats: [count, mean, max]

            """.write(toFile: d + "/\(run)/m.yaml", atomically: true, encoding: .utf8)
        }
        let single = try runGeotool(["batch", d + "/single/m.yaml", "--threads", "1", "--quiet"])
        XCTAssertEqual(single.status, 0, single.stderr)
        let emit = try runGeotool(["batch", d + "/split/m.yaml", "--threads", "1", "--max-memory", "100", "--emit", "slurm", "--parts", "4"])
        XCTAssertEqual(emit.status, 0, emit.stderr)
        try emit.stdout.write(toFile: d + "/job.sh", atomically: true, encoding: .utf8)
        let r = try cluster.run("bash", [d + "/job.sh"], extraEnvironment: ["GEOTOOL_SLURM_WAIT": "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try bytes(d + "/split/out/rain.csv"), try bytes(d + "/single/out/rain.csv"))
    }

    /// What `--emit` prints, and what it refuses, without a cluster.
    func testEmitPrintsAScriptAndRunsNothing() throws {
        let d = Fixtures.tempDir()
        let r = try runGeotool(zonal + ["-o", d + "/out.csv", "--emit", "slurm", "--parts", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("#!/bin/bash\n"))
        XCTAssertTrue(r.stdout.contains("#SBATCH --array=0-2\n"))
        XCTAssertTrue(r.stdout.contains("exec " + shellQuote(OutputSafety.realPath(geotoolPath)) + " zonal "), "the running binary, absolute")
        XCTAssertFalse(FileManager.default.fileExists(atPath: d + "/out.csv"))
        let k = try runGeotool(zonal + ["-o", d + "/out.csv", "--emit", "k8s", "--image", "registry.example/geotool:2"])
        XCTAssertEqual(k.status, 0, k.stderr)
        XCTAssertTrue(k.stdout.contains("completionMode: Indexed") && k.stdout.contains("\"registry.example/geotool:2\""))
        for (args, words) in [(["-o", d + "/o.csv", "--emit", "pbs"], "choose slurm or k8s"), (["-o", "-", "--emit", "slurm"], "standard output"),
                              (["-o", "/vsis3/b/o.csv", "--emit", "slurm"], "object storage"), (["-o", d + "/o.csv", "--emit", "slurm", "--parts", "0"], "--parts")] {
            let e = try runGeotool(zonal + args)
            XCTAssertNotEqual(e.status, 0, args.joined(separator: " "))
            XCTAssertTrue(e.stderr.contains(words), e.stderr)
        }
    }
}

