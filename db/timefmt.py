"""How instants are stored: UTC, ISO 8601, to the second, with a Z ("2026-03-20T02:15:00Z").

Text in this form sorts in time order, which the indexes rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(instant: datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
