import CGeo
import GeoCore

/// What this build of geotool is: the version, and the commit when the build named it
/// (scripts/build-deb.sh does; a plain `swift build` does not know it).
public enum BuildInfo {
    public static let commit: String? = {
        let c = String(cString: geokit_build_commit())
        return c.isEmpty ? nil : c
    }()

    /// `0.1.0 (commit 2d177bd3c0aa)`, or `0.1.0 (built from source)`.
    public static var versionLine: String {
        GeoKitVersion.string + (commit.map { " (commit \($0))" } ?? " (built from source)")
    }
}
