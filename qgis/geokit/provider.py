import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import BatchAlgorithm, JoinAlgorithm, MapAlgorithm, ZonalAlgorithm

GEOTOOL_SETTING = "GEOKIT_GEOTOOL"
ICON = os.path.join(os.path.dirname(__file__), "icon.svg")

try:  # the Processing plugin (always there in QGIS and qgis_process, but be careful)
    from processing.core.ProcessingConfig import ProcessingConfig, Setting
except ImportError:  # pragma: no cover
    ProcessingConfig = Setting = None


def configured_geotool():
    """The geotool path set in Processing > Options > Providers > GeoKit ('' when unset)."""
    if ProcessingConfig is None:
        return ""
    return (ProcessingConfig.getSetting(GEOTOOL_SETTING) or "").strip()


class GeoKitProvider(QgsProcessingProvider):

    def id(self):
        return "geokit"

    def name(self):
        return "GeoKit"

    def longName(self):  # noqa: N802
        return "GeoKit (geotool: exact zonal statistics by P-code)"

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self):  # noqa: N802
        return ICON

    def load(self):
        if ProcessingConfig is not None:
            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(Setting(
                self.name(), GEOTOOL_SETTING,
                "geotool executable (empty: $GEOTOOL, else geotool on PATH)", "",
                valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):
        if ProcessingConfig is not None:
            ProcessingConfig.removeSetting(GEOTOOL_SETTING)

    def loadAlgorithms(self):  # noqa: N802
        for alg in (ZonalAlgorithm(), JoinAlgorithm(), BatchAlgorithm(), MapAlgorithm()):
            self.addAlgorithm(alg)
