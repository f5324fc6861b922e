import ArgumentParser
import Foundation
import GeoCore
import GeoBatch

/// `--emit slurm|k8s` and its settings, shared by `zonal` and `batch`: print a job script
/// that runs the command in parts on an existing engine instead of running it.
struct EmitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Print a job script instead of running: slurm (a bash script submitting a job array and a merge job) or k8s (Kubernetes Indexed Job and merge Job). See docs/distributed.md.", valueName: "ENGINE"))
    var emit: String?

    @Option(help: "Parts of the job script (--emit).")
    var parts: Int = 4

    @Option(help: "Container image holding geotool, for --emit k8s.")
    var image: String = "ghcr.io/geokit/geotool:latest"

    @Option(help: "Time limit of each Slurm task, HH:MM:SS or D-HH:MM:SS (--emit slurm).")
    var walltime: String = "04:00:00"

    @Option(name: .customLong("job-name"), help: "Name of the jobs (--emit; default: from the output's or manifest's name).")
    var jobName: String?

    /// The options above, left out of the command the jobs run.
    static let names: Set<String> = ["--emit", "--parts", "--image", "--walltime", "--job-name"]

    func validate() throws {
        if let e = emit, JobEngine(rawValue: e) == nil {
            throw ValidationError("unknown --emit '\(e)'\(didYouMean(e, JobEngine.allCases.map(\.rawValue))); choose slurm or k8s")
        }
        if parts < 1 { throw ValidationError("--parts must be at least 1") }
        if walltime.isEmpty || !walltime.allSatisfy({ $0.isNumber || $0 == ":" || $0 == "-" }) {
            throw ValidationError("--walltime takes HH:MM:SS or D-HH:MM:SS, not '\(walltime)'")
        }
    }

    /// Print the job script for `kind`; `arguments` are the command's own (after `geotool`),
    /// paths already absolute; `threads` as given (nil: each part gets 4 CPUs and uses them).
    func print(_ kind: DistributedJob.Kind, arguments: [String], threads: Int?, maxMemoryMB: Int, defaultName: String, partDir: String) throws {
        guard let e = emit, let engine = JobEngine(rawValue: e) else { return }
        let cpus = threads ?? 4
        let job = DistributedJob(kind: kind, // A pod runs the image's geotool, a Slurm task this very binary (on the shared file system).
                                 geotool: engine == .k8s ? "geotool" : runningGeotool(), arguments: arguments + (threads == nil ? ["--threads", "\(cpus)"] : []),
                                 parts: parts, cpus: cpus,
                                 // The block budget plus room for the zones, GDAL's cache and the process.
                                 memoryMB: maxMemoryMB + 512, time: walltime, name: jobName.map(GeoBatch.jobName) ?? GeoBatch.jobName(defaultName),
                                 workingDirectory: FileManager.default.currentDirectoryPath, partDir: partDir, image: image)
        let text = engine == .slurm ? job.slurmScript() : job.kubernetesManifest()
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// This geotool binary's absolute path, or `geotool` (on PATH) when it cannot be found.
func runningGeotool() -> String {
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), exe.hasPrefix("/") { return exe }
    let arg0 = CommandLine.arguments[0]
    if arg0.contains("/") { return OutputSafety.realPath(arg0) }
    return "geotool"
}
