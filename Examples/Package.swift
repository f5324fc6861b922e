// swift-tools-version:5.10
// GeoKit used as a dependency, as another project would use it: by path here, by URL elsewhere
// (`.package(url: "https://github.com/GeoKit/geotool", branch: "main")`).
import PackageDescription

let package = Package(
    name: "GeoKitExamples",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "GeoKit", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "township-means",
            dependencies: [
                .product(name: "GeoKit", package: "GeoKit"),
                .product(name: "GeoCore", package: "GeoKit"),
            ]
        ),
    ]
)
