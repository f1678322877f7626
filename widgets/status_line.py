"""The bottom line of every screen: who is working, on which database, and the sync state."""

from __future__ import annotations

from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def show(self, parts: list[str]) -> None:
        """Replace the line with `parts`; the parts are plain text, never markup."""
        self.update(" · ".join(parts))

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
