"""Errors the services raise on purpose. Their messages are safe to show a person."""


class CatalogSyncError(Exception):
    """Base class: the message is meant for the person using the app."""


class PermissionDenied(CatalogSyncError):
    """The acting user may not touch this store or row."""


class NotFound(CatalogSyncError):
    pass


class ValidationFailed(CatalogSyncError):
    """Bad input. `errors` maps a field name to what is wrong with it."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class AuthenticationFailed(CatalogSyncError):
    pass
