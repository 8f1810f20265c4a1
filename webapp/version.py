"""The app's version, recorded in every backup's manifest."""

__version__ = "1.1.0"
