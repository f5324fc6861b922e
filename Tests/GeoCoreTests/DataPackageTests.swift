import XCTest
@testable import GeoCore

/// The sidecar as a type: its bytes (keys as the sidecar has always named them, nil members
/// left out, a NaN nodata as null), the round trip, and a sidecar that does not decode.
final class DataPackageTests: XCTestCase {
    private func small() -> DataPackage {
        var run = DataPackage.Run(version: "0.1.0", gdal: "3.6.2", command: "geotool zonal -o a/b.csv")
        run.seconds = 0.5
        var pkg = DataPackage(name: "b", title: "t", created: "2026-01-01T00:00:00Z",
                              resources: [DataPackage.Resource(name: "b", path: "b.csv", format: "csv", mediatype: "text/csv",
                                                               fields: [DataPackage.Field(name: "pcode", type: "string")], rows: 2,
                                                               dialect: DataPackage.Dialect(delimiter: ",", hxl: false))],
                              sources: [DataPackage.Source(title: "zones", path: "z.gpkg")], geotool: run)
        pkg.rasters = [DataPackage.RasterFile(
            name: "r", path: "r.tif", file: nil, bytes: 10, crs: "EPSG:4326", crsAssumed: nil, bandsTotal: 1, pixelType: "Float32",
            checksum: DataPackage.Checksum(digest: "etag:abc"), grid: DataPackage.GridEntry(columns: 2, rows: 1, cellSize: [0.5, 0.5], extent: [0, 0, 1, 0.5]),
            bands: [DataPackage.Band(band: 1, nodata: .nan, description: nil, date: "2020-01", unit: nil, scale: nil, offset: nil)])]
        return pkg
    }

    /// The bytes, written out by hand from the Frictionless layout the sidecar has always had.
    func testBytesAreTheSidecarsLayout() throws {
        let expected = """
        {
          "created" : "2026-01-01T00:00:00Z",
          "geotool" : {
            "command" : "geotool zonal -o a/b.csv",
            "gdal" : "3.6.2",
            "seconds" : 0.5,
            "version" : "0.1.0"
          },
          "name" : "b",
          "profile" : "tabular-data-package",
          "rasters" : [
            {
              "bands" : [
                {
                  "band" : 1,
                  "date" : "2020-01",
                  "nodata" : null
                }
              ],
              "bands_total" : 1,
              "bytes" : 10,
              "checksum" : "etag (remote object: not read twice to hash it)",
              "crs" : "EPSG:4326",
              "etag" : "abc",
              "grid" : {
                "cell_size" : [
                  0.5,
                  0.5
                ],
                "columns" : 2,
                "extent" : [
                  0,
                  0,
                  1,
                  0.5
                ],
                "rows" : 1
              },
              "name" : "r",
              "path" : "r.tif",
              "pixel_type" : "Float32"
            }
          ],
          "resources" : [
            {
              "dialect" : {
                "delimiter" : ",",
                "header" : true,
                "headerRows" : [
                  1
                ]
              },
              "encoding" : "utf-8",
              "format" : "csv",
              "mediatype" : "text/csv",
              "name" : "b",
              "path" : "b.csv",
              "profile" : "tabular-data-resource",
              "rows" : 2,
              "schema" : {
                "fields" : [
                  {
                    "name" : "pcode",
                    "type" : "string"
                  }
                ],
                "missingValues" : [
                  ""
                ]
              }
            }
          ],
          "sources" : [
            {
              "path" : "z.gpkg",
              "title" : "zones"
            }
          ],
          "title" : "t"
        }
        """
        XCTAssertEqual(String(decoding: try small().encoded(), as: UTF8.self), expected)
    }

    func testRoundTripKeepsEveryMemberAndTheNaNNodata() throws {
        let pkg = small()
        let back = try DataPackage.decode(try pkg.encoded(), path: "b.csv.datapackage.json")
        XCTAssertTrue(back.rasters![0].bands[0].nodata!.isNaN)
        var a = pkg, b = back
        a.rasters![0].bands[0].nodata = 0; b.rasters![0].bands[0].nodata = 0   // NaN != NaN
        XCTAssertEqual(a, b)
        XCTAssertEqual(back.rasters![0].checksum.etag, "abc")
        XCTAssertNil(back.rasters![0].checksum.sha256)
    }

    /// A file that says it is geotool's (a `geotool` run) must decode; the error names the
    /// file and the key that is wrong. Another tool's Data Package is not geotool's.
    func testAGeotoolSidecarThatDoesNotDecodeIsAnErrorNamingTheFile() throws {
        let broken = Data(#"{"profile": "tabular-data-package", "geotool": {"version": "0.1.0", "command": "x"}, "name": "b", "title": "t", "created": "c", "sources": [], "resources": [{"name": "b"}]}"#.utf8)
        XCTAssertTrue(DataPackage.isGeotoolSidecar(broken))
        XCTAssertThrowsError(try DataPackage.decode(broken, path: "out.csv.datapackage.json")) { e in
            let g = e as? GeoKitError
            XCTAssertEqual(g?.kind, .input)
            XCTAssertEqual(g?.file, "out.csv.datapackage.json")
            XCTAssertTrue(g?.problem.contains("resources[0].path missing") ?? false, g?.problem ?? "")
        }
        XCTAssertFalse(DataPackage.isGeotoolSidecar(Data(#"{"name": "other", "resources": []}"#.utf8)))
        XCTAssertFalse(DataPackage.isGeotoolSidecar(Data("not json".utf8)))
    }
}
