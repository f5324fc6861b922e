// swift-tools-version:5.10
import PackageDescription

let package = Package(
    name: "GeoKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GeoKit", targets: ["GeoKit"]),
        .executable(name: "geotool", targets: ["geotool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // The C APIs of GDAL/OGR/OSR/CPL, GEOS (reentrant) and PROJ, from Debian's -dev packages.
        .systemLibrary(
            name: "CGeo",
            pkgConfig: "gdal",
            providers: [.apt(["libgdal-dev", "libgeos-dev", "libproj-dev"])]
        ),
        .target(
            name: "GeoKit",
            dependencies: ["CGeo", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "geotool",
            dependencies: [
                "GeoKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "GeoKitTests",
            dependencies: ["GeoKit", "geotool"]
        ),
    ]
)
