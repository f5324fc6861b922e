#!/usr/bin/env python3
"""Child process of test_provider.py: QGIS headless through the qgis.core API, the GeoKit
provider registered from the installed plugin folder, geokit:zonal run with a feedback that
cancels at the first progress report (what the dialog's Cancel button does).

Usage: cancel_inprocess.py PLUGINS_DIR ZONES RASTER OUTPUT.csv
Prints `RESULT cancelled` (a QgsProcessingException saying Cancelled), `RESULT finished` or
`RESULT error: ...`.
"""

import os
import sys

plugins, zones, raster, output = sys.argv[1:5]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsProcessingException, QgsProcessingFeedback  # noqa: E402

app = QgsApplication([], False)
app.initQgis()
sys.path[:0] = [plugins, "/usr/share/qgis/python/plugins"]
import processing  # noqa: E402
from processing.core.Processing import Processing  # noqa: E402

Processing.initialize()
from geokit.plugin import GeoKitPlugin  # noqa: E402

plugin = GeoKitPlugin()
plugin.initProcessing()


class CancelAtFirstProgress(QgsProcessingFeedback):
    """Cancels once geotool has reported progress (so geotool is well into its work)."""

    def __init__(self):
        super().__init__()
        self.reports = 0

    def setProgress(self, progress):  # noqa: N802
        super().setProgress(progress)
        if progress > 0:
            self.reports += 1
            if not self.isCanceled():
                print("cancelling at {:.0f}%".format(progress), flush=True)
                self.cancel()

    def pushInfo(self, info):  # noqa: N802
        print("log:", info, flush=True)


feedback = CancelAtFirstProgress()
try:
    processing.run("geokit:zonal", {"ZONES": zones, "ID_FIELD": "TS_PCODE", "RASTER_FILES": [raster],
                                    "STATS": [2], "MAX_MEMORY": 16, "OUTPUT": output}, feedback=feedback)
    print("RESULT finished")
except QgsProcessingException as e:
    print("RESULT cancelled" if "Cancelled" in str(e) and feedback.reports else "RESULT error: {}".format(e))
plugin.unload()
app.exitQgis()
