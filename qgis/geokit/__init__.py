"""GeoKit: geotool's exact zonal statistics in the QGIS Processing toolbox."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import GeoKitPlugin
    return GeoKitPlugin(iface)
