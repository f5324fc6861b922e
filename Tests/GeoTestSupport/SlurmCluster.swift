import Foundation
import XCTest

/// A one-node Slurm cluster of its own: munged on its own socket and key, slurmctld and
/// slurmd on free ports, state, spool, logs and pid files in a temporary folder. Commands
/// reach it through `environment` (SLURM_CONF). Needs root (slurmd runs jobs as their
/// user) and Debian's slurm-wlm and munge; the test is skipped without them.
public final class SlurmCluster {
    public let dir: String
    public let conf: String
    private var daemons: [pid_t] = []

    public init() throws {
        guard getuid() == 0 else { throw EngineUnavailable("a Slurm cluster of the test's own needs root") }
        guard let munged = findProgram("munged"), let slurmctld = findProgram("slurmctld"), let slurmd = findProgram("slurmd"),
              findProgram("sbatch") != nil else {
            throw EngineUnavailable("slurm-wlm and munge not installed (bash scripts/setup.sh test)")
        }
        dir = Fixtures.tempDir()
        conf = dir + "/slurm.conf"
        let fm = FileManager.default
        for sub in ["state", "spool", "log", "munge"] { try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        // The munge key: random bytes, readable by root only (munged refuses anything else).
        var key = [UInt8](repeating: 0, count: 1024)
        for i in key.indices { key[i] = UInt8.random(in: 0...255) }
        let keyFile = dir + "/munge/munge.key"
        _ = fm.createFile(atPath: keyFile, contents: Data(key), attributes: [.posixPermissions: 0o600])
        let socket = dir + "/munge/munge.sock"
        try start(munged, ["-F", "--force", "--socket=" + socket, "--key-file=" + keyFile, "--pid-file=" + dir + "/munge/munged.pid",
                           "--log-file=" + dir + "/munge/munged.log", "--seed-file=" + dir + "/munge/munged.seed"])
        guard waitUntil(10, { fm.fileExists(atPath: socket) }) else { stop(); throw EngineUnavailable("munged did not start") }

        // This machine as the node: its real CPUs and memory, as slurmd reports them.
        let node = try runShell([slurmd, "-C"])
        guard let nodeLine = node.stdout.split(separator: "\n").first(where: { $0.hasPrefix("NodeName=") }),
              let name = nodeLine.split(separator: " ").first?.dropFirst("NodeName=".count) else {
            stop(); throw EngineUnavailable("slurmd -C failed: " + node.stderr)
        }
        let text = """
        ClusterName=geotooltest
        SlurmctldHost=\(name)
        SlurmUser=root
        SlurmdUser=root
        SlurmctldPort=\(freePort())
        SlurmdPort=\(freePort())
        AuthType=auth/munge
        CredType=cred/munge
        AuthInfo=socket=\(socket)
        StateSaveLocation=\(dir)/state
        SlurmdSpoolDir=\(dir)/spool
        SlurmctldPidFile=\(dir)/slurmctld.pid
        SlurmdPidFile=\(dir)/slurmd.pid
        SlurmctldLogFile=\(dir)/log/slurmctld.log
        SlurmdLogFile=\(dir)/log/slurmd.log
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        SwitchType=switch/none
        MpiDefault=none
        SelectType=select/cons_tres
        SelectTypeParameters=CR_Core
        SchedulerType=sched/backfill
        AccountingStorageType=accounting_storage/none
        JobCompType=jobcomp/none
        ReturnToService=2
        \(nodeLine) State=UNKNOWN
        PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP

        """
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        try start(slurmctld, ["-D", "-c", "-f", conf])
        try start(slurmd, ["-D", "-f", conf])
        let idle = waitUntil(60) { ((try? self.run("sinfo", ["-h", "-o", "%t"]))?.stdout ?? "").contains("idle") }
        guard idle else {
            let logs = (try? String(contentsOfFile: dir + "/log/slurmctld.log", encoding: .utf8)) ?? ""
            stop()
            XCTFail("the Slurm node did not become idle: " + String(logs.suffix(2000)))
            throw EngineUnavailable("no Slurm cluster")
        }
    }

    private func start(_ program: String, _ args: [String]) throws {
        daemons.append(try startDetached(program, args, log: dir + "/log/" + (program as NSString).lastPathComponent + ".out", environment: environment))
    }

    /// The inherited environment with SLURM_CONF pointing at this cluster.
    public var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["SLURM_CONF"] = conf
        return env
    }

    /// Run a Slurm command (sinfo, squeue, sbatch...) against this cluster.
    public func run(_ command: String, _ args: [String], extraEnvironment: [String: String] = [:]) throws -> GeotoolRun {
        guard let path = findProgram(command) else { throw EngineUnavailable("\(command) not installed") }
        return try runShell([path] + args, environment: environment.merging(extraEnvironment) { _, b in b })
    }

    /// Cancel what is left, stop the daemons (newest first) and remove the folder.
    public func stop() {
        if !daemons.isEmpty { _ = try? run("scancel", ["--user=root"]) }
        for pid in daemons.reversed() {
            stopDetached(pid)
        }
        daemons.removeAll()
        try? FileManager.default.removeItem(atPath: dir)
    }
    deinit { stop() }
}

