"""Errors the user can act on. Their messages are single lines meant to be shown as they are."""


class StudioRenderError(Exception):
    """Base class for errors that are reported to the user without a traceback."""


class BadInput(StudioRenderError):
    """The composition, the settings or the output path cannot be used (CLI exit code 2)."""
