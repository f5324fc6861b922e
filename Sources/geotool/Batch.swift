import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoJoin
import GeoBatch
import GeoRender
import GeoKit

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Compute the indicators of a YAML manifest, incrementally (only new or changed inputs).",
        discussion: """
        The manifest names the zones, an output folder and indicators: a raster series each (one multi-band file with a date per band, or a pattern such as rain/chirps-{yyyy}.{mm}.tif), statistics, method, optional weights and derived series (annual sum or mean, anomaly and z-score against a baseline, SPI, seasons, dekads, daily extremes, year of change, trends and seasonal trends; see docs/timeseries.md). Each indicator gets OUTDIR/NAME.csv and NAME.csv.datapackage.json. A rerun computes only new or changed files; a run may be interrupted at any moment and rerun. See docs/batch.md.

        Example:
          geotool batch indicators.yaml --dry-run
          geotool batch indicators.yaml
          geotool batch indicators.yaml --part 0/4   # and 1/4 to 3/4, anywhere
          geotool batch indicators.yaml --merge      # when the 4 parts are done
        """
    )

    @Argument(help: "The manifest (YAML).")
    var manifest: String

    @Flag(name: .customLong("dry-run"), help: "List what would be computed and why (new, changed, unchanged); compute nothing.")
    var dryRun = false

    @OptionGroup var workers: WorkerOptions
    var threads: Int? { workers.threads }

    @Option(name: .customLong("max-memory"), help: "Memory budget for decoded blocks, in MB.")
    var maxMemory: Int = 512

    @Option(name: .customLong("batch-size"), help: "Most bands per coverage pass (default: as many as memory allows); smaller passes save progress more often.")
    var batchSize: Int = 0

    @OptionGroup var quietness: QuietOptions

    // Parts: one run's work split over processes or machines sharing the output folder.
    @Option(help: ArgumentHelp("Compute part I of N of the work (I from 0 to N-1, as SLURM_ARRAY_TASK_ID) into OUTDIR/.geotool-batch-parts; then --merge.", valueName: "I/N"))
    var part: String?

    @Flag(help: "Merge the N parts into the state and write the tables, byte-identical to a single run.")
    var merge = false

    @OptionGroup(title: "Running in parts on Slurm or Kubernetes")
    var distributed: EmitOptions

    @Option(help: ArgumentHelp("Also load each indicator's table into this PostgreSQL database, as the table named after the indicator (replaced atomically; skipped when unchanged).", valueName: "PG:CONNECTION"))
    var database: String?

    func validate() throws {
        if distributed.emit != nil && dryRun { throw ValidationError("--emit prints a job script and --dry-run a plan: give one of them") }
        if distributed.emit != nil && (part != nil || merge) { throw ValidationError("--emit prints a job script that runs --part and --merge itself: leave them out") }
        if maxMemory < 16 { throw ValidationError("--max-memory must be at least 16 (MB)") }
        if batchSize < 0 { throw ValidationError("--batch-size must be 0 (automatic) or more") }
        if part != nil && merge { throw ValidationError("--part computes a part, --merge merges them: give one") }
        if dryRun && merge { throw ValidationError("--dry-run lists what a run (or with --part, a part) would compute; give it without --merge") }
        if let database, !PostgresTarget.isPostgres(database) { throw ValidationError("--database takes PG:\"dbname=... host=...\", not '\(database)'") }
        if database != nil && part != nil { throw ValidationError("--database loads the tables, which a part does not write: give it to the --merge run") }
    }

    func run() throws {
        Console.shared.set(quietness.level)
        do {
            let started = Date()
            let partSpec = try part.map(BatchPartSpec.init(parsing:))
            let m = try BatchManifest(path: manifest)
            // The manifest is read first: a script for a broken one would fail on the cluster.
            if distributed.emit != nil { return try printJobScript() }
            let runner = BatchRunner(manifest: m, options: batchOptions())
            if dryRun { return try printPlan(m, try partSpec.map(runner.planPart) ?? runner.plan()) }
            // Lines as the work goes: with the progress only; the summary: unless -qqq.
            let console = Console.shared
            let listed = "the tables' metadata sidecars in \(m.outputDir)"
            // Progress lines over the bands to compute (a merge: the indicators merged); batch
            // draws its own terminal line.
            let bar = ProgressBar(enabled: console.showsProgress, terminal: false)
            bar.update(0, 1)
            let tty = console.showsProgress && isatty(2) == 1 && !bar.lines
            showProgress(of: runner, on: bar, terminalLine: tty)
            let report = try partSpec.map(runner.runPart) ?? (merge ? runner.merge(progress: bar.update) : runner.run())
            if let database, partSpec == nil {
                let pg = try BatchRunner.loadIntoPostgres(m, output: database)
                console.detail("geotool: database \(PostgresTarget.display(database)): loaded \(pg.loaded.isEmpty ? "none" : pg.loaded.joined(separator: ", "))" +
                    (pg.upToDate.isEmpty ? "" : "; up to date: \(pg.upToDate.joined(separator: ", "))"))
            }
            bar.finish()
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            // The zones' warnings when they were read, and each pass's new ones (all in the sidecars).
            warn(report.warnings, listedIn: listed)
            let secs = String(format: "%.2f", Date().timeIntervalSince(started))
            console.summary("geotool: " + summary(of: report, m, part: partSpec, seconds: secs), listedIn: listed)
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }

    /// `--emit`: the job script that runs the manifest's parts and merge on a cluster.
    private func printJobScript() throws {
        let path = absolutePath(manifest, cwd: FileManager.default.currentDirectoryPath)
        let args = ["batch", path] + (threads.map { ["--threads", "\($0)"] } ?? []) + ["--max-memory", "\(maxMemory)"] +
            (batchSize > 0 ? ["--batch-size", "\(batchSize)"] : []) + quietness.arguments
        try distributed.print(.batch(manifest: path), arguments: args, threads: threads, maxMemoryMB: maxMemory,
                              defaultName: "geotool-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension, partDir: path + ".parts")
    }

    /// The run's request from the options.
    private func batchOptions() -> BatchOptions {
        var opts = BatchOptions()
        opts.threads = workers.count
        opts.maxMemory = maxMemory << 20
        opts.batchSize = batchSize
        opts.commandLine = CommandLine.arguments.map(shellQuote).joined(separator: " ")
        return opts
    }

    /// `--dry-run`: per indicator, what a run would compute and what is unchanged.
    private func printPlan(_ m: BatchManifest, _ plan: [BatchPlanItem]) throws {
        var out = ""
        for ind in m.plansByIndicator(plan) {
            out += "\(ind.indicator): \(ind.bandsToCompute) band(s) of \(ind.toCompute.count) file(s) to compute, \(ind.unchangedFiles) file(s) unchanged\n"
            for i in ind.items {
                out += "  \(i.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(i.path) (\(i.bands) band\(i.bands == 1 ? "" : "s"))\(i.reason.isEmpty ? "" : ": " + i.reason)\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// The runner's progress on `bar` and, on a terminal, its own line (indicator and
    /// overall); its log lines with the progress only.
    private func showProgress(of runner: BatchRunner, on bar: ProgressBar, terminalLine tty: Bool) {
        let console = Console.shared
        var last = Date.distantPast
        runner.progress = { p in
            bar.update(Int(p.overallDone * 1000), p.overallTotal * 1000)
            guard tty, Date().timeIntervalSince(last) > 0.2 || p.overallDone >= Double(p.overallTotal) else { return }
            last = Date()
            let ind = p.indicatorTotal > 0 ? 100 * p.indicatorDone / Double(p.indicatorTotal) : 100
            let all = p.overallTotal > 0 ? 100 * p.overallDone / Double(p.overallTotal) : 100
            let line = String(format: "\r%@ (%d/%d): %3.0f%%   overall %3.0f%% (%.0f/%d bands) ",
                              p.indicator, p.indicatorIndex + 1, p.indicatorCount, ind, all, p.overallDone, p.overallTotal)
            FileHandle.standardError.write(Data(line.utf8))
        }
        runner.log = { s in
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if console.showsProgress { console.detail("geotool: \(s)") }
        }
    }

    /// The summary line (after `geotool: `) of a part, a merge or a run.
    private func summary(of report: BatchReport, _ m: BatchManifest, part partSpec: BatchPartSpec?, seconds secs: String) -> String {
        if let partSpec {
            return "part \(partSpec): \(report.plan.count) file(s) in its share; computed \(report.bandsComputed) band(s) of \(report.filesComputed) file(s) " +
                "in \(report.passes) coverage pass(es); wrote \(m.outputDir)/.geotool-batch-parts/part-\(partSpec.index)-of-\(partSpec.count).json (\(secs) s)"
        } else if merge {
            return "merged \(report.partsMerged) part(s): \(report.bandsComputed) band(s) of \(report.filesComputed) file(s) computed by the parts; " +
                "wrote \(report.tablesWritten.count) table(s) to \(m.outputDir)" +
                (report.tablesUpToDate.isEmpty ? "" : ", \(report.tablesUpToDate.count) up to date") + " (\(secs) s)"
        } else if !report.didRasterWork {
            // The vector layers computed (not from the cache) are said as such.
            let rewritten = report.tablesRewrittenFromCache
            return (report.vectorComputed ? "no raster work (\(report.plan.count) file(s) unchanged); computed the vector layers into vector.csv"
                                          : "nothing changed: no raster work (\(report.plan.count) file(s) unchanged)") + "; " +
                (rewritten.isEmpty ? "tables up to date" : "rewrote \(rewritten.joined(separator: ", ")) from the cache") + " (\(secs) s)"
        }
        return "computed \(report.bandsComputed) band(s) of \(report.filesComputed) file(s) in \(report.passes) coverage pass(es); " +
            "wrote \(report.tablesWritten.count) table(s) to \(m.outputDir) (\(secs) s)"
    }
}
