import Foundation
import GeoCore

// `--emit slurm|k8s`: the job scripts that run a `geotool zonal` or `geotool batch` command
// in N parts on an existing engine, then merge them (docs/distributed.md). geotool
// schedules nothing itself: Slurm's job array and dependency, or Kubernetes' Indexed Job,
// do. The parts number 0 to N-1, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX do.

public enum JobEngine: String, CaseIterable, Sendable { case slurm, k8s }

/// A command split into parts, and what the engine should give each part.
public struct DistributedJob: Sendable {
    public enum Kind: Sendable {
        /// `geotool zonal`: each part writes `partDir/part-I.part`; the merge writes `output`
        /// with `mergeOptions` (--format, --hxl, --bom: the rest is recorded in the parts).
        case zonal(output: String, mergeOptions: [String])
        /// `geotool batch MANIFEST`: each part runs `--part I/N`, the merge `--merge`.
        case batch(manifest: String)
    }
    public var kind: Kind
    /// The geotool binary (absolute path) or `geotool` (found on PATH).
    public var geotool: String
    /// The command's arguments after the binary (`zonal ...`, `batch MANIFEST ...`), paths absolute.
    public var arguments: [String]
    public var parts: Int
    public var cpus: Int
    public var memoryMB: Int
    /// Slurm's time limit per task (HH:MM:SS or D-HH:MM:SS).
    public var time: String
    public var name: String
    /// Where the jobs run: the submitting folder (relative paths left in the command resolve there).
    public var workingDirectory: String
    /// The part files (zonal) and the Slurm logs: `OUT.parts` beside the output.
    public var partDir: String
    /// The container image for Kubernetes.
    public var image: String

    public init(kind: Kind, geotool: String, arguments: [String], parts: Int, cpus: Int, memoryMB: Int,
                time: String, name: String, workingDirectory: String, partDir: String, image: String) {
        self.kind = kind; self.geotool = geotool; self.arguments = arguments; self.parts = parts
        self.cpus = cpus; self.memoryMB = memoryMB; self.time = time; self.name = name
        self.workingDirectory = workingDirectory; self.partDir = partDir; self.image = image
    }

    var commandName: String { if case .zonal = kind { return "zonal" } else { return "batch" } }

    /// The merge command's arguments after the binary; `partsGlob` names the part files.
    func mergeArguments(partsGlob: String) -> [String] {
        switch kind {
        case .zonal(let output, let opts): return ["merge", partsGlob, "-o", output] + opts
        case .batch(let manifest): return ["batch", manifest, "--merge"]
        }
    }
}

/// A job name engines accept: letters, digits, `-`, lower case for Kubernetes (63 at most).
public func jobName(_ s: String) -> String {
    let t = s.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }
    let name = String(String(t).split(separator: "-").joined(separator: "-").prefix(50))
    return name.isEmpty ? "geotool" : name
}

/// `path` made absolute against `cwd` (remote `/vsi...` paths and `-` as they are).
public func absolutePath(_ path: String, cwd: String) -> String {
    if path.isEmpty || path.hasPrefix("/") || path == "-" { return path }
    // A driver-prefixed name (NETCDF:file.nc:var) stays: the jobs run in `cwd`.
    if let colon = path.firstIndex(of: ":"), path[..<colon].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) { return path }
    return cwd + "/" + path
}

/// The command line `args` (after the subcommand) for the jobs: the `drop` options and their
/// values and the `dropFlags` left out, values of `pathOptions` made absolute, and of
/// `specOptions` (`NAME=PATH[:BAND]`) their path part. `--opt=value` forms are handled too.
public func jobArguments(_ args: [String], cwd: String, drop: Set<String>, dropFlags: Set<String> = [],
                         pathOptions: Set<String>, specOptions: Set<String>) -> [String] {
    func fix(_ option: String, _ value: String) -> String {
        if pathOptions.contains(option) { return absolutePath(value, cwd: cwd) }
        if specOptions.contains(option) {
            if let eq = value.firstIndex(of: "="), !value[..<eq].contains("/") {
                return String(value[...eq]) + absolutePath(String(value[value.index(after: eq)...]), cwd: cwd)
            }
            return absolutePath(value, cwd: cwd)
        }
        return value
    }
    var out: [String] = []
    var i = 0
    while i < args.count {
        let a = args[i]
        if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
            let opt = String(a[..<eq])
            if !drop.contains(opt) { out.append(opt + "=" + fix(opt, String(a[a.index(after: eq)...]))) }
            i += 1
            continue
        }
        if drop.contains(a) { i += 2; continue }
        if dropFlags.contains(a) { i += 1; continue }
        out.append(a)
        if (pathOptions.contains(a) || specOptions.contains(a)) && i + 1 < args.count {
            out.append(fix(a, args[i + 1]))
            i += 1
        }
        i += 1
    }
    return out
}

extension DistributedJob {
    /// A bash script to run on a Slurm login node: it submits the parts as a job array and
    /// the merge as a job depending on all of them (afterok).
    public func slurmScript() -> String {
        let q = shellQuote
        let n = parts
        let dir = q(partDir)
        let command = ([geotool] + arguments).map(q).joined(separator: " ")
        let partFlags: String
        switch kind {
        case .zonal: partFlags = "--part \"$SLURM_ARRAY_TASK_ID/\(n)\" --partial \(dir)/part-\"$SLURM_ARRAY_TASK_ID\".part"
        case .batch: partFlags = "--part \"$SLURM_ARRAY_TASK_ID/\(n)\""
        }
        let merge = ([geotool].map(q) + mergeArguments(partsGlob: "\u{0}").map { $0 == "\u{0}" ? "\(dir)/part-*.part" : q($0) })
            .joined(separator: " ")
        let done: String
        switch kind {
        case .zonal(let output, _): done = output
        case .batch(let manifest): done = "the tables of " + manifest
        }
        return """
        #!/bin/bash
        # geotool \(commandName) in \(n) parts on Slurm, printed by `geotool \(commandName) ... --emit slurm`
        # (docs/distributed.md). Run it where sbatch works: bash THIS_FILE. It submits a job
        # array of \(n) tasks (one part each) and a merge job that starts when every task has
        # succeeded (and is cancelled if one fails). Logs: \(partDir)/logs.
        # GEOTOOL_SLURM_WAIT=1: wait for the merge and exit with its status.
        set -euo pipefail
        mkdir -p \(dir)/logs
        # Each task: the same command, with its part number from SLURM_ARRAY_TASK_ID.
        array_job=$(sbatch --parsable --chdir=\(q(workingDirectory)) --output=\(dir)/logs/part-%a.log <<'GEOTOOL_JOB'
        #!/bin/bash
        #SBATCH --job-name=\(name)-parts
        #SBATCH --array=0-\(n - 1)
        #SBATCH --cpus-per-task=\(cpus)
        #SBATCH --mem=\(memoryMB)M
        #SBATCH --time=\(time)
        set -euo pipefail
        exec \(command) \(partFlags)
        GEOTOOL_JOB
        )
        array_job=${array_job%%;*}
        wait_flag=()
        if [ "${GEOTOOL_SLURM_WAIT:-0}" = 1 ]; then wait_flag=(--wait); fi
        merge_job=$(sbatch --parsable "${wait_flag[@]}" --dependency=afterok:"$array_job" --kill-on-invalid-dep=yes \\
            --chdir=\(q(workingDirectory)) --output=\(dir)/logs/merge.log <<'GEOTOOL_JOB'
        #!/bin/bash
        #SBATCH --job-name=\(name)-merge
        #SBATCH --cpus-per-task=1
        #SBATCH --mem=\(memoryMB)M
        #SBATCH --time=\(time)
        set -euo pipefail
        exec \(merge)
        GEOTOOL_JOB
        )
        merge_job=${merge_job%%;*}
        # sbatch --wait exits 0 for a merge cancelled because a part failed: ask its state.
        if [ ${#wait_flag[@]} -gt 0 ]; then
            state=$(scontrol show job "$merge_job" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
            if [ "$state" != JobState=COMPLETED ]; then
                echo "geotool: the merge (job $merge_job) did not complete (${state:-state unknown}): a part failed? See \(partDir.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "$", with: "\\$").replacingOccurrences(of: "`", with: "\\`"))/logs" >&2
                exit 1
            fi
        fi
        echo "geotool: parts: job $array_job; merge: job $merge_job, writes \(done.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "$", with: "\\$").replacingOccurrences(of: "`", with: "\\`"))" >&2

        """
    }

    /// Two Kubernetes Jobs in one YAML stream: the parts (an Indexed Job) and the merge,
    /// labelled `geotool/step: parts|merge` so that each is applied in turn (see the header).
    public func kubernetesManifest() -> String {
        func y(_ s: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        }
        func list(_ items: [String]) -> String { "[" + items.map(y).joined(separator: ", ") + "]" }
        let n = parts
        let partScript: String
        switch kind {
        case .zonal:
            partScript = "set -eu; dir=$1; shift; mkdir -p \"$dir\"; exec \"$@\" --part \"$JOB_COMPLETION_INDEX/\(n)\" --partial \"$dir/part-$JOB_COMPLETION_INDEX.part\""
        case .batch:
            partScript = "set -eu; shift; exec \"$@\" --part \"$JOB_COMPLETION_INDEX/\(n)\""
        }
        let partCommand = ["/bin/sh", "-c", partScript, "sh", partDir, geotool] + arguments
        let mergeScript = "exec " + ([geotool] + mergeArguments(partsGlob: "\u{0}")).map { $0 == "\u{0}" ? shellQuote(partDir) + "/part-*.part" : shellQuote($0) }.joined(separator: " ")
        func job(_ step: String, indexed: Bool, command: [String], cpus: Int) -> String {
            var spec = ""
            if indexed {
                spec = """
                  completionMode: Indexed
                  completions: \(n)
                  parallelism: \(n)
                  backoffLimit: \(n)

                """
            } else {
                spec = """
                  completions: 1
                  backoffLimit: 1

                """
            }
            return """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: \(name)-\(step)
              labels:
                geotool/step: \(step)
            spec:
            \(spec)  template:
                metadata:
                  labels:
                    geotool/step: \(step)
                spec:
                  restartPolicy: Never
                  containers:
                    - name: geotool
                      image: \(y(image))
                      workingDir: \(y(workingDirectory))
                      command: \(list(command))
                      resources:
                        requests:
                          cpu: "\(cpus)"
                          memory: \(memoryMB)Mi
                        limits:
                          memory: \(memoryMB)Mi

            """
        }
        return """
        # geotool \(commandName) in \(n) parts on Kubernetes, printed by `geotool \(commandName) ... --emit k8s`
        # (docs/distributed.md). Two Jobs: \(name)-parts, an Indexed Job whose pods each compute
        # one part (the number from JOB_COMPLETION_INDEX, set by Kubernetes 1.22+), then
        # \(name)-merge. The image must have geotool on its PATH, and every path must be
        # the same inside the pods: mount the shared volume there (add volumes/volumeMounts).
        # Inputs on object storage (/vsis3/...) need the AWS_* settings as env. Run:
        #   kubectl apply -f job.yaml -l geotool/step=parts
        #   kubectl wait --for=condition=complete --timeout=-1s job/\(name)-parts
        #   kubectl apply -f job.yaml -l geotool/step=merge
        #   kubectl wait --for=condition=complete --timeout=-1s job/\(name)-merge
        \(job("parts", indexed: true, command: partCommand, cpus: cpus))---
        \(job("merge", indexed: false, command: ["/bin/sh", "-c", mergeScript], cpus: 1))
        """
    }
}
