"""Where the central server is and the office token that opens it.

The URL lives in the database (`sync_state.remote_url`): it belongs to the data, like the
cursor. The token lives in a file beside the database, `<database>.sync-token`, created with
owner-only permissions (0600) and never in the database, so a copied or exported database does
not carry the office's credential. The token is never printed, logged or put in a repr.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils

from db import write_transaction
from desk.i18n import t
from desk.sync import texts as _texts  # noqa: F401  (registers the sync texts)
from desk.sync.errors import NotConfigured, SyncError

URL_KEY = "remote_url"
TOKEN_SUFFIX = ".sync-token"


@dataclass(frozen=True)
class Remote:
    url: str
    token: str = field(repr=False)


def token_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + TOKEN_SUFFIX)


_TOKEN_READ = 4096


def read_token_file(path: Path) -> str:
    """The token in a file the office admin received (`-` for standard input)."""
    import sys

    try:
        # A token is 43 characters: read a little more than any token, never a whole stream
        # (`--token-file /dev/zero` must not fill the memory).
        if str(path) == "-":
            text = sys.stdin.read(_TOKEN_READ)
        else:
            with path.open(encoding="utf-8") as handle:
                text = handle.read(_TOKEN_READ)
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise SyncError(t("sync.token_file", path=path, reason=reason)) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1 or not lines[0].isascii() or not lines[0].isprintable() or " " in lines[0]:
        raise SyncError(t("sync.token_empty", path=path))
    return lines[0]


def exposed_plain_http(url: str) -> bool:
    """Whether `url` is plain http to a host beyond this machine and private networks.

    Over such a link the office token and every complaint (names, NIKs) cross the internet in
    clear, and anyone on the path can answer in the server's name. Loopback and private
    addresses (a test server, an office LAN, a VPN) are where plain http is a reasonable choice.
    A name rather than an address counts as exposed unless it is `localhost`: what it resolves
    to can change.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False  # not an address at all: check_url refuses it
    if parts.scheme != "http":
        return False
    host = (parts.hostname or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private or address.is_link_local)


def check_url(url: str) -> str:
    """The server's address as it is kept, or `SyncError` for one no request could reach (a
    broken bracket, a port beyond 65535, no host)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (reading it is the check: ValueError beyond 0-65535)
    except ValueError:
        raise SyncError(t("sync.bad_url", url=url)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(t("sync.bad_url", url=url))
    return url.strip().rstrip("/")


def save_remote(database: sqlite_utils.Database, db_path: Path, url: str, token: str) -> Path:
    """Store the URL in the database and the token, owner-only, beside it; returns the file."""
    url = check_url(url)
    path = token_path(db_path)
    temporary = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    # O_EXCL with mode 0600: the token is never, even for an instant, in a readable file.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.replace(temporary, path)
    with write_transaction(database):
        database.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [URL_KEY, url],
        )
    return path


def remote_url(database: sqlite_utils.Database) -> str | None:
    row = database.execute("SELECT value FROM sync_state WHERE key = ?", [URL_KEY]).fetchone()
    return str(row[0]) if row else None


def has_token(db_path: Path) -> bool:
    return token_path(db_path).is_file()


def load_remote(database: sqlite_utils.Database, db_path: Path) -> Remote:
    """The configured remote; a clear error when the URL or the token is missing."""
    url = remote_url(database)
    if not url:
        raise NotConfigured(t("sync.no_remote"))
    path = token_path(db_path)
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            # Copied around with a loose mode: close it again before reading.
            path.chmod(0o600)
        token = path.read_text(encoding="utf-8").strip()
    except OSError:
        raise NotConfigured(t("sync.no_token", path=path)) from None
    if not token:
        raise NotConfigured(t("sync.no_token", path=path))
    return Remote(url, token)
