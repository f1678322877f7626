"""Inflating gzip and zstd bodies within a bound, the same way on both sides of a sync.

A body that inflates past its bound is refused before more than the bound (plus one step) is
held: a zstd answer of a few KB claiming 1 GiB took a desk to 3.2 GB of memory (issue 15),
because `decompressobj().decompress(data)` inflates all it is given at once. Here compressed
input goes in small pieces and the total is checked between them: a zstd block inflates to at
most 128 KB, so `PIECE` bytes (at most ~85 blocks of 3 bytes) can add at most ~11 MB before the
check; gzip is asked for no more than what is left of the bound.

The server (desk/central/app.py, request bodies) and the desk (desk/sync/transport.py, answers,
whole or streamed) both use `Inflater`.
"""

from __future__ import annotations

import zlib

try:  # zstd is optional on both sides (docs/sync-protocol.md); gzip always works.
    import zstandard
except ImportError:  # pragma: no cover - installed with desk
    zstandard = None  # type: ignore[assignment]

PIECE = 256  # compressed bytes fed to zstd at a time


class TooLarge(ValueError):
    """The body inflates past its bound."""


class BadEncoding(ValueError):
    """The body is not what its encoding says (or the encoding is unknown)."""


class Inflater:
    """Incremental, bounded: `feed(raw)` returns what `raw` inflates to; `ended` says whether the
    compressed stream reached its proper end. Raises `TooLarge` past `limit` inflated bytes in
    all, `BadEncoding` for a corrupt stream or an unknown encoding."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding.strip().lower()
        self.limit = limit
        self.total = 0
        self._gzip = None
        self._zstd = None
        if self.encoding == "gzip":
            self._gzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "zstd" and zstandard is not None:
            self._zstd = zstandard.ZstdDecompressor().decompressobj()
        elif self.encoding not in ("", "identity"):
            raise BadEncoding(f"unknown content encoding {encoding!r}")

    @property
    def ended(self) -> bool:
        if self._gzip is not None:
            return bool(self._gzip.eof)
        if self._zstd is not None:
            return bool(self._zstd.eof)
        return True

    def feed(self, raw: bytes) -> bytes:
        out = bytearray()
        try:
            if self._gzip is not None:
                data = raw
                while data and not self._gzip.eof:
                    room = self.limit - self.total - len(out) + 1
                    out += self._gzip.decompress(data, max(1, room))
                    self._check(len(out))
                    data = self._gzip.unconsumed_tail
            elif self._zstd is not None:
                for start in range(0, len(raw), PIECE):
                    if self._zstd.eof:
                        break
                    out += self._zstd.decompress(raw[start : start + PIECE])
                    self._check(len(out))
            else:
                out += raw
                self._check(len(out))
        except zlib.error as error:
            raise BadEncoding(f"bad gzip body: {error}") from None
        except TooLarge:
            raise
        except Exception as error:
            if zstandard is not None and isinstance(error, zstandard.ZstdError):
                raise BadEncoding(f"bad zstd body: {error}") from None
            raise
        self.total += len(out)
        return bytes(out)

    def _check(self, pending: int) -> None:
        if self.total + pending > self.limit:
            raise TooLarge(f"the body inflates past {self.limit} bytes")


def inflate(raw: bytes, encoding: str, limit: int) -> bytes:
    """A whole body, inflated within `limit`; a stream that stops short is `BadEncoding`."""
    inflater = Inflater(encoding, limit)
    data = inflater.feed(raw)
    if not inflater.ended:
        raise BadEncoding(f"truncated {inflater.encoding} body")
    return data
