"""What can end a sync request, as exceptions the push and pull loops act on."""

from __future__ import annotations

from desk.errors import DeskError


class SyncError(DeskError):
    """A sync could not go on; the message is for the officer."""


class NotConfigured(SyncError):
    """No remote has been set for this database."""


class TokenRefused(SyncError):
    """401: the office token is missing, wrong or revoked. Stop and send nothing more."""


class RequestRejected(SyncError):
    """400: the server cannot read the request; sending the same bytes again will not help."""


class PayloadTooLarge(SyncError):
    """413: the batch is too large; the caller halves it."""


class CursorGone(SyncError):
    """410: the server no longer knows the cursor; the caller pulls everything again."""


class LinkFailed(SyncError):
    """The link or the server kept failing after every allowed attempt."""


class ServerUnreachable(LinkFailed):
    """The server never answered this sync: not reachable at all (wrong address, no route,
    down). Told within seconds rather than after the whole backoff (docs/sync-client.md)."""
