from qgis.core import QgsApplication

from .provider import GeoKitProvider


class GeoKitPlugin:
    """Registers the GeoKit Processing provider (in QGIS and in qgis_process)."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 (called by QGIS and qgis_process)
        if self.provider is None:
            self.provider = GeoKitProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
