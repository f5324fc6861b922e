import XCTest
import Yams
import GeoCore
import GeoBatch
import GeoTestSupport

/// The job scripts of `--emit`: bash and a YAML parser read them, and the commands they
/// run are checked by running them with a program that prints its arguments in place of
/// geotool, so the quoting is judged by the shell, not by us.
final class JobScriptTests: XCTestCase {
    var dir = ""
    var printer = ""

    override func setUpWithError() throws {
        dir = Fixtures.tempDir() + "/with space's"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        printer = dir + "/print-args"
        try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n".write(toFile: printer, atomically: true, encoding: .utf8)
        chmod(printer, 0o755)
    }

    /// A zonal job whose arguments hold spaces, quotes and shell metacharacters.
    func zonalJob(parts: Int = 4) -> DistributedJob {
        DistributedJob(kind: .zonal(output: dir + "/out $x.csv", mergeOptions: ["--format", "long", "--hxl"]), geotool: printer,
                       arguments: ["zonal", "--zones", dir + "/zones.gpkg", "--id", "TS_PCODE", "--where", "ST_PCODE = 'MMR013'",
                                   "--raster", "rain=" + dir + "/rain `a`.tif", "--threads", "2"],
                       parts: parts, cpus: 2, memoryMB: 1024, time: "01:00:00", name: jobName("geotool-out $x"),
                       workingDirectory: dir, partDir: dir + "/out $x.csv.parts", image: "example.org/geotool:1")
    }

    /// The scripts inside the Slurm script's here-documents (the array job's, the merge's).
    func jobBodies(_ script: String) -> [String] {
        script.components(separatedBy: "<<'GEOTOOL_JOB'\n").dropFirst().map { $0.components(separatedBy: "\nGEOTOOL_JOB\n")[0] }
    }

    func lines(_ r: GeotoolRun) -> [String] { r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }

    func testSlurmScriptIsBashAndEachTaskRunsItsPart() throws {
        let job = zonalJob()
        let script = job.slurmScript()
        let file = dir + "/job.sh"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try runProcess("/bin/bash", ["-n", file]).status, 0, "bash -n")
        let bodies = jobBodies(script)
        XCTAssertEqual(bodies.count, 2)
        let array = bodies[0]
        for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=1024M", "#SBATCH --time=01:00:00",
                     "#SBATCH --job-name=geotool-out-x-parts"] {
            XCTAssertTrue(array.contains(line + "\n"), "missing \(line) in\n\(array)")
        }
        XCTAssertTrue(script.contains("--dependency=afterok:\"$array_job\""))
        // Task 2 of 4: the command as given, then its part and part file.
        var env = ProcessInfo.processInfo.environment
        env["SLURM_ARRAY_TASK_ID"] = "2"
        let r = try runProcess("/bin/bash", ["-c", array], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(lines(r), job.arguments + ["--part", "2/4", "--partial", dir + "/out $x.csv.parts/part-2.part"])
        // The merge: every part file of the folder, the output and the table options.
        try FileManager.default.createDirectory(atPath: job.partDir, withIntermediateDirectories: true)
        for i in 0..<4 { _ = FileManager.default.createFile(atPath: job.partDir + "/part-\(i).part", contents: Data()) }
        let m = try runProcess("/bin/bash", ["-c", bodies[1]])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(lines(m), ["merge"] + (0..<4).map { job.partDir + "/part-\($0).part" } + ["-o", dir + "/out $x.csv", "--format", "long", "--hxl"])
    }

    func testBatchSlurmScriptRunsPartsThenMerge() throws {
        let manifest = dir + "/indicators.yaml"
        let job = DistributedJob(kind: .batch(manifest: manifest), geotool: printer, arguments: ["batch", manifest, "--threads", "1"],
                                 parts: 3, cpus: 1, memoryMB: 600, time: "00:10:00", name: "b", workingDirectory: dir,
                                 partDir: manifest + ".parts", image: "x")
        let bodies = jobBodies(job.slurmScript())
        var env = ProcessInfo.processInfo.environment
        env["SLURM_ARRAY_TASK_ID"] = "0"
        XCTAssertTrue(bodies[0].contains("#SBATCH --array=0-2\n"))
        XCTAssertEqual(lines(try runProcess("/bin/bash", ["-c", bodies[0]], environment: env)), ["batch", manifest, "--threads", "1", "--part", "0/3"])
        XCTAssertEqual(lines(try runProcess("/bin/bash", ["-c", bodies[1]])), ["batch", manifest, "--merge"])
    }

    func testKubernetesManifestIsTwoJobsAndAPodRunsItsIndex() throws {
        let job = zonalJob(parts: 5)
        let docs = try Array(Yams.load_all(yaml: job.kubernetesManifest()))
        XCTAssertEqual(docs.count, 2)
        let parts = try XCTUnwrap(docs[0] as? [String: Any]), merge = try XCTUnwrap(docs[1] as? [String: Any])
        XCTAssertEqual(parts["kind"] as? String, "Job")
        XCTAssertEqual(parts["apiVersion"] as? String, "batch/v1")
        let spec = try XCTUnwrap(parts["spec"] as? [String: Any])
        XCTAssertEqual(spec["completionMode"] as? String, "Indexed")
        XCTAssertEqual(spec["completions"] as? Int, 5)
        XCTAssertEqual(spec["parallelism"] as? Int, 5)
        let labels = { (d: [String: Any]) in ((d["metadata"] as? [String: Any])?["labels"] as? [String: Any])?["geotool/step"] as? String }
        XCTAssertEqual(labels(parts), "parts")
        XCTAssertEqual(labels(merge), "merge")
        func container(_ d: [String: Any]) throws -> [String: Any] {
            let pod = try XCTUnwrap(((d["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
            XCTAssertEqual(pod["restartPolicy"] as? String, "Never")
            return try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
        }
        let c = try container(parts)
        XCTAssertEqual(c["image"] as? String, "example.org/geotool:1")
        XCTAssertEqual(c["workingDir"] as? String, dir)
        // The pod's command, run as the kubelet would (exec form), with the index Kubernetes sets.
        let command = try XCTUnwrap(c["command"] as? [String])
        try? FileManager.default.removeItem(atPath: job.partDir)
        var env = ProcessInfo.processInfo.environment
        env["JOB_COMPLETION_INDEX"] = "3"
        let r = try runProcess(command[0], Array(command.dropFirst()), environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(lines(r), job.arguments + ["--part", "3/5", "--partial", job.partDir + "/part-3.part"])
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: job.partDir, isDirectory: &isDir) && isDir.boolValue, "the pod makes the part folder")
        for i in 0..<5 { _ = FileManager.default.createFile(atPath: job.partDir + "/part-\(i).part", contents: Data()) }
        let mc = try XCTUnwrap(try container(merge)["command"] as? [String])
        let m = try runProcess(mc[0], Array(mc.dropFirst()))
        XCTAssertEqual(lines(m), ["merge"] + (0..<5).map { job.partDir + "/part-\($0).part" } + ["-o", dir + "/out $x.csv", "--format", "long", "--hxl"])
    }

    func testJobArgumentsMakePathsAbsoluteAndDropEmitOptions() {
        let args = ["zonal", "--zones", "z.gpkg", "--raster", "rain=data/rain.tif:2", "--raster=dem.tif", "--weights", "/abs/pop.tif",
                    "--raster", "n=/vsis3/b/n.tif", "--emit", "slurm", "--parts=8", "--image", "i", "-o", "out.csv", "--id", "TS_PCODE",
                    "--raster", "p=NETCDF:chirps.nc:precip", "--hxl", "--gazetteer", "g.csv"]
        let out = jobArguments(args, cwd: "/w", drop: ["--emit", "--parts", "--image", "-o"], dropFlags: ["--hxl"],
                               pathOptions: ["--zones", "--gazetteer"], specOptions: ["--raster", "--weights"])
        XCTAssertEqual(out, ["zonal", "--zones", "/w/z.gpkg", "--raster", "rain=/w/data/rain.tif:2", "--raster=/w/dem.tif", "--weights", "/abs/pop.tif",
                             "--raster", "n=/vsis3/b/n.tif", "--id", "TS_PCODE", "--raster", "p=NETCDF:chirps.nc:precip", "--gazetteer", "/w/g.csv"])
        XCTAssertEqual(jobName("Rain by Township (2023)"), "rain-by-township-2023")
    }
}
