"""Errors the user can act on. Their messages are single lines meant to be shown as they are."""


class StudioRenderError(Exception):
    """Base class for errors that are reported to the user without a traceback."""


class BadInput(StudioRenderError):
    """The composition, the settings or the output path cannot be used (CLI exit code 2)."""


class RenderFailed(StudioRenderError):
    """The render started but could not complete (CLI exit code 1)."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class Cancelled(StudioRenderError):
    """The render was cancelled by the user (CLI exit code 130)."""
