// swift-tools-version:5.10
import PackageDescription

// The layers, each a target in its own folder; dependencies point one way (down):
//
//   geotool (CLI)          thin commands over the libraries
//   GeoRender              choropleth maps and reports
//   GeoBatch               manifests, incremental reruns (the only user of Yams; above GeoVector: vector: entries)
//   GeoVector              vector indicators per zone (points counted, lines measured, polygons overlaid; above GeoJoin)
//   GeoJoin                points to P-codes
//   GeoKit                 zonal engine and job, roll-up, indicator tables, P-codes, metadata
//   GeoGDAL                the only importer of CGeo: rasters, vectors, CRS, GEOS, writers, SHA-256
//   GeoCore                plain Swift: grids, coverage, statistics, indexes, tables, worker pool
//   CGeo                   C APIs of GDAL/OGR, GEOS, PROJ, OpenSSL's libcrypto, ICU and HDF5 (Debian -dev packages)
let package = Package(
    name: "GeoKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GeoCore", targets: ["GeoCore"]),
        .library(name: "GeoGDAL", targets: ["GeoGDAL"]),
        .library(name: "GeoKit", targets: ["GeoKit"]),
        .library(name: "GeoJoin", targets: ["GeoJoin"]),
        .library(name: "GeoBatch", targets: ["GeoBatch"]),
        .library(name: "GeoRender", targets: ["GeoRender"]),
        .library(name: "GeoVector", targets: ["GeoVector"]),
        .executable(name: "geotool", targets: ["geotool"]),
        // The C interface (include/geokit.h) as libGeoKitC.so, for Python (python/) and other languages.
        .library(name: "GeoKitC", type: .dynamic, targets: ["GeoKitC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CGeo",
            pkgConfig: "gdal",
            providers: [.apt(["libgdal-dev", "libgeos-dev", "libproj-dev", "libssl-dev", "libicu-dev", "libhdf5-dev"])]
        ),
        .target(name: "GeoCore"),
        .target(name: "GeoGDAL", dependencies: ["GeoCore", "CGeo"]),
        .target(name: "GeoKit", dependencies: ["GeoCore", "GeoGDAL"]),
        .target(name: "GeoJoin", dependencies: ["GeoCore", "GeoGDAL", "GeoKit"]),
        .target(name: "GeoBatch", dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoJoin", "GeoVector", .product(name: "Yams", package: "Yams")]),
        .target(name: "GeoRender", dependencies: ["GeoCore", "GeoGDAL", "GeoKit"]),
        // Vector indicators per zone: points counted with the join's pass, lines and polygons overlaid.
        .target(name: "GeoVector", dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoJoin"]),
        // @_cdecl functions over ZonalJob: no C imports of its own (only GeoGDAL imports CGeo).
        .target(name: "GeoKitC", dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoJoin"]),
        .executableTarget(
            name: "geotool",
            dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoJoin", "GeoBatch", "GeoRender", "GeoVector",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Benchmark helper: decode every block of a raster once (the read floor). Not shipped.
        .executableTarget(name: "geokit-read-floor", dependencies: ["GeoCore", "GeoGDAL", "GeoKit"],
                          path: "Benchmarks/ReadFloor"),

        // Fixtures and helpers shared by the test targets.
        .target(name: "GeoTestSupport", dependencies: ["GeoCore", "GeoGDAL"], path: "Tests/GeoTestSupport"),
        .testTarget(name: "GeoCoreTests", dependencies: ["GeoCore", "GeoTestSupport"]),
        .testTarget(name: "GeoKitTests", dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoTestSupport"]),
        .testTarget(name: "GeoJoinTests", dependencies: ["GeoCore", "GeoGDAL", "GeoJoin", "GeoTestSupport"]),
        .testTarget(name: "GeoBatchTests", dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoVector", "GeoBatch", "GeoTestSupport",
                                                          .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "GeoVectorTests", dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoJoin", "GeoVector", "GeoTestSupport"]),
        .testTarget(name: "GeoRenderTests", dependencies: ["GeoCore", "GeoGDAL", "GeoKit", "GeoRender", "GeoTestSupport"]),
        .testTarget(name: "GeotoolTests", dependencies: ["GeoCore", "GeoGDAL", "GeoTestSupport", "geotool"]),
    ]
)
