"""Exceptions: one class per kind of GeoKitError (Sources/GeoCore/Errors.swift)."""


class GeoKitError(Exception):
    """A run stopped: ``kind`` (input, crs, argument, io, cancelled, internal), ``file`` (the
    user's path it concerns, or None) and the one-line ``message`` (which names the file)."""

    kind = "internal"

    def __init__(self, message, file=None):
        super().__init__(message)
        self.message = message
        self.file = file


class InputError(GeoKitError):
    """An input file is missing, unreadable or not what was expected."""
    kind = "input"


class CRSError(GeoKitError):
    """Coordinate reference systems are missing, unknown or incompatible."""
    kind = "crs"


class ArgumentError(GeoKitError, ValueError):
    """An argument or a combination of arguments is wrong."""
    kind = "argument"


class GeoKitIOError(GeoKitError, OSError):
    """Reading or writing failed."""
    kind = "io"


class CancelledError(GeoKitError):
    """The run was cancelled."""
    kind = "cancelled"


class InternalError(GeoKitError):
    """A bug in GeoKit: please report it."""
    kind = "internal"


# geokit.h's GEOKIT_ERR_* codes.
BY_CODE = {1: InputError, 2: CRSError, 3: ArgumentError, 4: GeoKitIOError, 5: CancelledError, 6: InternalError}
