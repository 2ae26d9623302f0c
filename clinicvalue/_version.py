"""The installed kit's version, read once from its distribution metadata."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clinicvalue")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
