"""The GeoKit algorithms: each builds a geotool command line from its parameters, runs it
through runner.run_geotool (progress, warnings, cancel, one-line errors) and loads what it
wrote where that makes sense."""

import csv
import json
import os
import re

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputFolder,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QUrl, QVariant

from . import runner

# Formats geotool (GDAL/OGR) reads directly: anything else (memory layers, databases, a
# selection, a subset filter) is first exported by QGIS to a temporary GeoPackage.
OGR_FILE_FORMATS = ["gpkg", "shp", "json", "geojson", "topojson", "fgb", "gml", "kml", "sqlite",
                    "tab", "mif", "gdb", "csv"]

STATISTICS = ["count", "sum", "mean", "min", "max", "range", "stdev", "variance", "cv", "median",
              "majority", "minority", "variety", "frac", "cells", "nodata_frac", "area",
              "class_area", "weighted_mean", "weighted_sum", "weighted_frac"]
METHODS = ["exact", "center", "all-touched"]
FORMATS = ["wide", "long"]
SCHEMES = ["quantile", "equal", "jenks"]
PALETTES = ["(default)", "YlOrRd", "YlGnBu", "Blues", "Greens", "Purples", "viridis", "RdBu", "BrBG",
            "YlOrRd_r", "YlGnBu_r", "Blues_r", "Greens_r", "Purples_r", "viridis_r", "RdBu_r", "BrBG_r"]


def _advanced(param):
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return param


def _csv_uri(path):
    """A delimited-text URI: QGIS detects numeric columns (OGR's CSV driver reads text)."""
    return QUrl.fromLocalFile(path).toString() + "?type=csv&detectTypes=yes&geomType=none&encoding=UTF-8"


class GeoKitAlgorithm(QgsProcessingAlgorithm):
    """Common parts: the provider's group, running geotool, loading outputs."""

    def createInstance(self):  # noqa: N802
        return type(self)()

    def group(self):
        return ""

    def groupId(self):  # noqa: N802
        return ""

    def flags(self):
        # geotool runs in its own process, so the algorithm may run in a background thread;
        # it can be cancelled (geotool gets SIGTERM and removes its temporaries).
        return super().flags() | QgsProcessingAlgorithm.FlagCanCancel

    def geotool(self, args, feedback, cwd=None):
        from .provider import configured_geotool
        try:
            exe = runner.find_geotool(configured_geotool())
            return runner.run_geotool(args, feedback, executable=exe, cwd=cwd)
        except runner.GeotoolCancelled as e:
            raise QgsProcessingException("Cancelled: {}".format(e))
        except runner.GeotoolError as e:
            raise QgsProcessingException(("geotool: error: {}" if e.from_geotool else "{}").format(e))

    def zones_source(self, parameters, name, context, feedback):
        """The zones as a file geotool can open: (path, layer name or '')."""
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, OGR_FILE_FORMATS, "gpkg", feedback)
        if not path:
            raise QgsProcessingException("no layer for {}".format(name))
        return path, layer or ""

    def load_table(self, path, name, context, output_name="OUTPUT"):
        """Load a table geotool wrote as a layer (in QGIS: added to the project at the end)."""
        if not os.path.exists(path):
            return None
        if path.lower().endswith(".csv"):
            layer = QgsVectorLayer(_csv_uri(path), name, "delimitedtext")
        elif path.lower().endswith((".gpkg", ".xlsx")):
            layer = QgsVectorLayer(path, name, "ogr")
        else:
            return None
        if not layer.isValid():
            return None
        context.temporaryLayerStore().addMapLayer(layer)
        context.addLayerToLoadOnCompletion(
            layer.id(), QgsProcessingContext.LayerDetails(name, context.project(), output_name))
        return layer

    def common_threads(self, advanced=True):
        p = QgsProcessingParameterNumber("THREADS", "Worker threads (0: all cores)",
                                         QgsProcessingParameterNumber.Integer, 0, False, 0, 1024)
        return _advanced(p) if advanced else p

    def common_memory(self):
        return _advanced(QgsProcessingParameterNumber(
            "MAX_MEMORY", "Memory budget for decoded blocks (MB)",
            QgsProcessingParameterNumber.Integer, 512, False, 16))


class ZonalAlgorithm(GeoKitAlgorithm):

    def name(self):
        return "zonal"

    def displayName(self):  # noqa: N802
        return "Zonal statistics (exact, by P-code)"

    def shortHelpString(self):  # noqa: N802
        return (
            "Statistics of one or more rasters for every polygon of a zones layer, keyed by its "
            "P-code, computed by geotool zonal: each cell weighted by the exact fraction of it "
            "the polygon covers (or by its centre / all-touched). Writes a table (CSV, "
            "GeoPackage or Excel) with a Data Package sidecar, and optionally a copy of the "
            "zones joined to the table for mapping. Roll-up fields add a row per parent unit "
            "(district, state) and the country, merged exactly. Percentiles: type them in "
            "'More statistics' (e.g. p10,p90).")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ZONES", "Zones (polygons)", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "ID_FIELD", "Zone id field (P-code)", parentLayerParameterName="ZONES"))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            "RASTERS", "Rasters (layers)", QgsProcessing.TypeRaster, optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            "RASTER_FILES", "Raster files (opened by geotool only, not by QGIS)", QgsProcessing.TypeFile,
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            "RASTER_NAMES", "Raster names, comma-separated, one per raster (default: file names)",
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "BAND", "Band (0: every band)", QgsProcessingParameterNumber.Integer, 0, False, 0))
        self.addParameter(QgsProcessingParameterEnum(
            "STATS", "Statistics", STATISTICS, allowMultiple=True, defaultValue=[0, 2]))
        self.addParameter(QgsProcessingParameterString(
            "MORE_STATS", "More statistics, comma-separated (e.g. p10,p90)", optional=True))
        self.addParameter(QgsProcessingParameterEnum("METHOD", "Method", METHODS, defaultValue=0))
        self.addParameter(QgsProcessingParameterRasterLayer(
            "WEIGHTS", "Weights raster (for weighted_* statistics, e.g. population)", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "INCLUDE_FIELDS", "Zone fields to copy into the table", parentLayerParameterName="ZONES",
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterField(
            "ROLLUP_FIELDS", "Roll up to parent codes in fields (e.g. DT_PCODE, ST_PCODE)",
            parentLayerParameterName="ZONES", allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterEnum("FORMAT", "Table shape", FORMATS, defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean("HXL", "HXL hashtag row (for HDX)", False))
        self.addParameter(_advanced(QgsProcessingParameterString(
            "UNITS", "Units of the rasters' values, NAME=UNIT comma-separated (e.g. rain=mm)",
            optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterField(
            "NAME_FIELD", "Zone field with unit names (long tables)", parentLayerParameterName="ZONES",
            optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterFile(
            "GAZETTEER", "Gazetteer CSV of child,parent P-codes (roll-up)", optional=True,
            fileFilter="CSV (*.csv)")))
        self.addParameter(_advanced(QgsProcessingParameterString(
            "COUNTRY", "Country code of the roll-up's top row (default: from the P-codes)", optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            "ALLOW_DUPLICATE_IDS", "Go on when ids are duplicated or blank", False)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            "NO_FORMULA_GUARD", "Write text exactly (no apostrophe before =, +, -, @)", False)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            "BOM", "Start the CSV with a byte-order mark (Excel)", False)))
        self.addParameter(self.common_threads())
        self.addParameter(self.common_memory())
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Statistics table",
            "CSV (*.csv);;GeoPackage (*.gpkg);;Excel (*.xlsx)", defaultValue=None))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "JOINED", "Zones with statistics (for a map; wide tables)", QgsProcessing.TypeVectorPolygon,
            optional=True, createByDefault=False))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        zones, layer = self.zones_source(parameters, "ZONES", context, feedback)
        id_field = self.parameterAsFields(parameters, "ID_FIELD", context)[0]
        # Layers first, then files (paths QGIS does not open: geotool checks them).
        rasters = [r.source() for r in self.parameterAsLayerList(parameters, "RASTERS", context)]
        rasters += [str(f) for f in self.parameterAsFileList(parameters, "RASTER_FILES", context) if f]
        if not rasters:
            raise QgsProcessingException("give at least one raster (Rasters or Raster files)")
        names = [n.strip() for n in (self.parameterAsString(parameters, "RASTER_NAMES", context) or "").split(",")
                 if n.strip()]
        if names and len(names) != len(rasters):
            raise QgsProcessingException(
                "{} raster name(s) for {} raster(s)".format(len(names), len(rasters)))
        band = self.parameterAsInt(parameters, "BAND", context)
        stats = [STATISTICS[i] for i in self.parameterAsEnums(parameters, "STATS", context)]
        stats += [s.strip() for s in (self.parameterAsString(parameters, "MORE_STATS", context) or "").split(",")
                  if s.strip()]
        if not stats:
            raise QgsProcessingException("choose at least one statistic")
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if not os.path.splitext(output)[1]:
            output += ".csv"
        fmt = FORMATS[self.parameterAsEnum(parameters, "FORMAT", context)]
        hxl = self.parameterAsBoolean(parameters, "HXL", context)

        args = ["zonal", "--zones", zones]
        if layer:
            args += ["--layer", layer]
        args += ["--id", id_field]
        for i, path in enumerate(rasters):
            spec = (names[i] + "=" if names else "") + path + (":{}".format(band) if band > 0 else "")
            args += ["--raster", spec]
        args += ["--stats", ",".join(stats),
                 "--method", METHODS[self.parameterAsEnum(parameters, "METHOD", context)]]
        weights = self.parameterAsRasterLayer(parameters, "WEIGHTS", context)
        if weights is not None:
            args += ["--weights", weights.source()]
        include = self.parameterAsFields(parameters, "INCLUDE_FIELDS", context)
        if include:
            args += ["--include-cols", ",".join(include)]
        rollup = self.parameterAsFields(parameters, "ROLLUP_FIELDS", context)
        if rollup:
            args += ["--rollup", ",".join(rollup)]
        gazetteer = self.parameterAsFile(parameters, "GAZETTEER", context)
        if gazetteer:
            args += ["--gazetteer", gazetteer]
        country = self.parameterAsString(parameters, "COUNTRY", context)
        if country:
            args += ["--country", country]
        if fmt != "wide":
            args += ["--format", fmt]
        if hxl:
            args.append("--hxl")
        for u in (self.parameterAsString(parameters, "UNITS", context) or "").split(","):
            if u.strip():
                args += ["--unit", u.strip()]
        name_field = self.parameterAsFields(parameters, "NAME_FIELD", context)
        if name_field:
            args += ["--name-col", name_field[0]]
        for key, flag in (("ALLOW_DUPLICATE_IDS", "--allow-duplicate-ids"),
                          ("NO_FORMULA_GUARD", "--no-formula-guard"), ("BOM", "--bom")):
            if self.parameterAsBoolean(parameters, key, context):
                args.append(flag)
        threads = self.parameterAsInt(parameters, "THREADS", context)
        if threads > 0:
            args += ["--threads", str(threads)]
        args += ["--max-memory", str(self.parameterAsInt(parameters, "MAX_MEMORY", context))]
        args += ["-o", output]

        self.geotool(args, feedback)
        results = {"OUTPUT": output}
        self.load_table(output, os.path.splitext(os.path.basename(output))[0], context)

        if parameters.get("JOINED") is not None and not feedback.isCanceled():
            joined = self.write_joined(parameters, context, feedback, output, id_field, fmt, hxl)
            if joined is not None:
                results["JOINED"] = joined
        return results

    def write_joined(self, parameters, context, feedback, table_path, id_field, fmt, hxl):
        """The zones with the table's columns (numbers as numbers): one feature per zone."""
        if fmt != "wide":
            feedback.pushWarning("Zones with statistics: only for wide tables; not written")
            return None
        header, rows, types = _read_table(table_path, hxl)
        if not header:
            feedback.pushWarning("Zones with statistics: cannot read {}; not written".format(table_path))
            return None
        source = self.parameterAsSource(parameters, "ZONES", context)
        fields = QgsFields(source.fields())
        taken = {f.name().lower() for f in fields}
        columns = []
        for i, col in enumerate(header):
            if i == 0 or col.lower() in taken:  # the id, or a copied zone field
                continue
            kind = types.get(col, "string")
            vtype = QVariant.Double if kind == "number" else QVariant.LongLong if kind == "integer" else QVariant.String
            fields.append(QgsField(col, vtype))
            columns.append((i, kind))
        by_id = {}
        for row in rows:
            if row:
                by_id.setdefault(row[0], row)
        sink, dest = self.parameterAsSink(parameters, "JOINED", context, fields,
                                          source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "JOINED"))
        missing = 0
        for f in source.getFeatures():
            if feedback.isCanceled():
                break
            row = by_id.get(str(f[id_field]) if f[id_field] is not None else "")
            attrs = list(f.attributes())
            for i, kind in columns:
                v = row[i] if row is not None and i < len(row) else ""
                attrs.append(_convert(v, kind))
            if row is None:
                missing += 1
            out = QgsFeature(fields)
            out.setGeometry(f.geometry())
            out.setAttributes(attrs)
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        if missing:
            feedback.pushWarning("Zones with statistics: {} zone(s) have no row in the table".format(missing))
        return dest


def _convert(v, kind):
    if v == "" or v is None:
        return None
    if kind == "string":
        return v
    try:
        return int(v) if kind == "integer" else float(v)
    except ValueError:
        return None


def _read_table(path, hxl):
    """(header, rows, {column: type}) of a geotool table; types from its Data Package sidecar."""
    types = {}
    # The sidecar is named after the whole output (rain.csv.datapackage.json); geotool
    # before 2026-11 named it after the stem (rain.datapackage.json).
    sidecar = path + ".datapackage.json"
    if not os.path.exists(sidecar):
        sidecar = os.path.splitext(path)[0] + ".datapackage.json"
    try:
        with open(sidecar, encoding="utf-8") as f:
            for field in json.load(f)["resources"][0]["schema"]["fields"]:
                types[field["name"]] = field.get("type", "string")
    except (OSError, ValueError, KeyError, IndexError):
        pass
    if path.lower().endswith(".csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            data = list(csv.reader(f))
        if not data:
            return [], [], types
        header, rows = data[0], data[2:] if hxl else data[1:]
        return header, rows, types
    layer = QgsVectorLayer(path, "table", "ogr")
    if not layer.isValid():
        return [], [], types
    header = [f.name() for f in layer.fields() if f.name().lower() != "fid"]
    rows = []
    for feat in layer.getFeatures():
        rows.append(["" if feat[h] is None else str(feat[h]) for h in header])
    return header, rows, types


class JoinAlgorithm(GeoKitAlgorithm):

    def name(self):
        return "join"

    def displayName(self):  # noqa: N802
        return "School join (points to P-codes)"

    def shortHelpString(self):  # noqa: N802
        return (
            "Gives every point (school, clinic, village) the P-code of the polygon it falls in, "
            "with a flag for every problem (border, nearest, outside, missing, invalid or swapped "
            "coordinates, duplicate ids, mismatch with the register's own code), by geotool join. "
            "Points: a CSV with coordinate columns or any point layer. The table is loaded as a "
            "layer; the optional QA report lists every row that is not a clean match.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "POINTS", "Points (a point layer, or a CSV with coordinate columns)", [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterField(
            "X_FIELD", "Longitude / easting column of a CSV (default: longitude, lon, x...)",
            parentLayerParameterName="POINTS", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "Y_FIELD", "Latitude / northing column of a CSV (default: latitude, lat, y)",
            parentLayerParameterName="POINTS", optional=True))
        self.addParameter(QgsProcessingParameterCrs(
            "POINTS_CRS", "CRS of the points (default: the layer's; EPSG:4326 for CSV)", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ZONES", "Zones (polygons)", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "ID_FIELD", "Zone field with the P-code to attach (e.g. VT_PCODE)", parentLayerParameterName="ZONES"))
        self.addParameter(QgsProcessingParameterField(
            "INCLUDE_FIELDS", "More zone fields to attach", parentLayerParameterName="ZONES",
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterString(
            "BORDER_TOLERANCE", "Border tolerance (e.g. 0.2m; 0 = exact)", defaultValue="0.2m"))
        self.addParameter(QgsProcessingParameterString(
            "NEAREST", "Search radius for points outside every zone (e.g. 2km; 0 = none)", defaultValue="0"))
        self.addParameter(_advanced(QgsProcessingParameterString(
            "CHECK_COL", "Points column with the register's own code (COL or COL=FIELD)", optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterField(
            "ID_COL", "Points column with each row's identifier (duplicates flagged)",
            parentLayerParameterName="POINTS", optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            "NO_FORMULA_GUARD", "Write text exactly (no apostrophe before =, +, -, @)", False)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            "BOM", "Start the CSV with a byte-order mark (Excel)", False)))
        self.addParameter(self.common_threads())
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Joined table", "CSV (*.csv);;GeoPackage (*.gpkg);;Excel (*.xlsx)"))
        self.addParameter(QgsProcessingParameterFileDestination(
            "REPORT", "QA report", "CSV (*.csv);;GeoPackage (*.gpkg);;Excel (*.xlsx)",
            optional=True, createByDefault=False))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        points, points_layer = self.zones_source(parameters, "POINTS", context, feedback)
        zones, layer = self.zones_source(parameters, "ZONES", context, feedback)
        args = ["join", "--points", points]
        if points_layer and not points.lower().endswith(".csv"):
            args += ["--points-layer", points_layer]
        for key, flag in (("X_FIELD", "--x"), ("Y_FIELD", "--y"), ("ID_COL", "--id-col")):
            f = self.parameterAsFields(parameters, key, context)
            if f:
                args += [flag, f[0]]
        crs = self.parameterAsCrs(parameters, "POINTS_CRS", context)
        if crs is not None and crs.isValid() and parameters.get("POINTS_CRS"):
            args += ["--points-crs", crs.authid() or crs.toWkt()]
        args += ["--zones", zones]
        if layer:
            args += ["--layer", layer]
        args += ["--id", self.parameterAsFields(parameters, "ID_FIELD", context)[0]]
        include = self.parameterAsFields(parameters, "INCLUDE_FIELDS", context)
        if include:
            args += ["--include-cols", ",".join(include)]
        args += ["--border-tolerance", self.parameterAsString(parameters, "BORDER_TOLERANCE", context) or "0.2m",
                 "--nearest", self.parameterAsString(parameters, "NEAREST", context) or "0"]
        check = self.parameterAsString(parameters, "CHECK_COL", context)
        if check:
            args += ["--check-col", check]
        for key, flag in (("NO_FORMULA_GUARD", "--no-formula-guard"), ("BOM", "--bom")):
            if self.parameterAsBoolean(parameters, key, context):
                args.append(flag)
        threads = self.parameterAsInt(parameters, "THREADS", context)
        if threads > 0:
            args += ["--threads", str(threads)]
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if not os.path.splitext(output)[1]:
            output += ".csv"
        args += ["-o", output]
        report = None
        if parameters.get("REPORT"):
            report = self.parameterAsFileOutput(parameters, "REPORT", context)
            if report and not os.path.splitext(report)[1]:
                report += ".csv"
            if report:
                args += ["--report", report]
        self.geotool(args, feedback)
        self.load_table(output, os.path.splitext(os.path.basename(output))[0], context)
        results = {"OUTPUT": output}
        if report:
            self.load_table(report, os.path.splitext(os.path.basename(report))[0], context, "REPORT")
            results["REPORT"] = report
        return results


class BatchAlgorithm(GeoKitAlgorithm):

    def name(self):
        return "batch"

    def displayName(self):  # noqa: N802
        return "Batch (indicators from a YAML manifest)"

    def shortHelpString(self):  # noqa: N802
        return (
            "Computes every indicator of a geotool batch manifest (YAML) against one zones layer, "
            "incrementally: a rerun computes only new or changed rasters, and a cancelled run "
            "can simply be run again. Each indicator becomes OUTDIR/NAME.csv (loaded as a "
            "layer) with its Data Package sidecar. 'Dry run' lists what would be computed.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "MANIFEST", "Manifest (YAML)", fileFilter="YAML (*.yaml *.yml)"))
        self.addParameter(QgsProcessingParameterBoolean(
            "DRY_RUN", "Dry run: list what would be computed, compute nothing", False))
        self.addParameter(self.common_threads())
        self.addParameter(self.common_memory())
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            "BATCH_SIZE", "Most bands per coverage pass (0: as memory allows)",
            QgsProcessingParameterNumber.Integer, 0, False, 0)))
        self.addOutput(QgsProcessingOutputFolder("OUTPUT_DIR", "Output folder"))
        self.addOutput(QgsProcessingOutputString("PLAN", "Dry-run listing"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        manifest = os.path.abspath(self.parameterAsFile(parameters, "MANIFEST", context))
        args = ["batch", manifest]
        dry = self.parameterAsBoolean(parameters, "DRY_RUN", context)
        if dry:
            args.append("--dry-run")
        threads = self.parameterAsInt(parameters, "THREADS", context)
        if threads > 0:
            args += ["--threads", str(threads)]
        args += ["--max-memory", str(self.parameterAsInt(parameters, "MAX_MEMORY", context))]
        size = self.parameterAsInt(parameters, "BATCH_SIZE", context)
        if size > 0:
            args += ["--batch-size", str(size)]
        out, _ = self.geotool(args, feedback, cwd=os.path.dirname(manifest))
        for line in out.splitlines():
            feedback.pushInfo(line)
        outdir, names = _manifest_outputs(manifest)
        if not dry:
            for name in names:
                self.load_table(os.path.join(outdir, name + ".csv"), name, context, "OUTPUT_DIR")
        return {"OUTPUT_DIR": outdir, "PLAN": out}


def _manifest_outputs(manifest):
    """(output folder, indicator names) of a manifest, as geotool resolves them (relative to
    the manifest's folder). PyYAML when QGIS has it, else a line scan of the two keys."""
    base = os.path.dirname(manifest)
    outdir, names = "out", []
    try:
        import yaml
        with open(manifest, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
        outdir = str(((doc.get("output") or {}).get("dir")) or "out")
        names = [str(i["name"]) for i in (doc.get("indicators") or []) if isinstance(i, dict) and "name" in i]
    except Exception:  # noqa: BLE001 (no PyYAML, or geotool has already reported the problem)
        with open(manifest, encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"^output:\s*\n(?:\s+.*\n)*?\s+dir:\s*([^\s#]+)", text, re.M)
        if m:
            outdir = m.group(1).strip("'\"")
        names = [n.strip("'\"") for n in re.findall(r"^\s*-\s*name:\s*([^\s#]+)", text, re.M)]
    return os.path.normpath(os.path.join(base, os.path.expanduser(outdir))), names


class MapAlgorithm(GeoKitAlgorithm):

    def name(self):
        return "map"

    def displayName(self):  # noqa: N802
        return "Choropleth map (SVG/PNG)"

    def shortHelpString(self):  # noqa: N802
        return (
            "A choropleth map of one column of a geotool table, joined to the zones by P-code "
            "(geotool map): quantile, equal-interval or Jenks classes, colour-blind-safe palettes, "
            "a diverging palette for columns of both signs, hatched units without a value. "
            "Output: SVG, or PNG (rendered with rsvg-convert).")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "TABLE", "Table written by geotool (CSV, one row per zone)", fileFilter="CSV (*.csv)"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ZONES", "Zones (polygons)", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "ID_FIELD", "Zone id field (P-code)", parentLayerParameterName="ZONES"))
        self.addParameter(QgsProcessingParameterString("COLUMN", "Table column to map"))
        self.addParameter(QgsProcessingParameterNumber(
            "CLASSES", "Number of classes", QgsProcessingParameterNumber.Integer, 5, False, 2, 9))
        self.addParameter(QgsProcessingParameterEnum("SCHEME", "Class breaks", SCHEMES, defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum("PALETTE", "Palette", PALETTES, defaultValue=0))
        self.addParameter(QgsProcessingParameterString("TITLE", "Title (default: the column)", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "LABELS", "Label units with field", parentLayerParameterName="ZONES", optional=True))
        self.addParameter(_advanced(QgsProcessingParameterString(
            "ATTRIBUTION", "Attribution", defaultValue="Boundaries: MIMU")))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            "SIZE", "Longer side of the map (pixels)", QgsProcessingParameterNumber.Integer, 900, False, 100)))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            "PNG_SCALE", "PNG zoom factor", QgsProcessingParameterNumber.Double, 2, False, 0.1)))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Map", "SVG (*.svg);;PNG (*.png)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        zones, layer = self.zones_source(parameters, "ZONES", context, feedback)
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if not os.path.splitext(output)[1]:
            output += ".svg"
        args = ["map", self.parameterAsFile(parameters, "TABLE", context), "--zones", zones]
        if layer:
            args += ["--layer", layer]
        args += ["--id", self.parameterAsFields(parameters, "ID_FIELD", context)[0],
                 "--column", self.parameterAsString(parameters, "COLUMN", context),
                 "--classes", str(self.parameterAsInt(parameters, "CLASSES", context)),
                 "--scheme", SCHEMES[self.parameterAsEnum(parameters, "SCHEME", context)]]
        palette = self.parameterAsEnum(parameters, "PALETTE", context)
        if palette > 0:
            args += ["--palette", PALETTES[palette]]
        title = self.parameterAsString(parameters, "TITLE", context)
        if title:
            args += ["--title", title]
        labels = self.parameterAsFields(parameters, "LABELS", context)
        if labels:
            args += ["--labels", labels[0]]
        args += ["--attribution", self.parameterAsString(parameters, "ATTRIBUTION", context),
                 "--size", str(self.parameterAsInt(parameters, "SIZE", context)),
                 "--png-scale", repr(self.parameterAsDouble(parameters, "PNG_SCALE", context)),
                 "-o", output]
        self.geotool(args, feedback)
        return {"OUTPUT": output}
