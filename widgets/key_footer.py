"""The footer of every screen, redrawn only when the keys it shows change.

Textual's Footer rebuilds all its key widgets whenever the focused widget changes (each search
moves focus from the search box to the list and back): on the inbox that is ~16 widgets mounted
and styled, 40–60 ms of the UI thread per search on this machine (bench/README.md), for a
footer that shows the same keys before and after.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer, Input


class KeyFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None

    def _signature(self, screen: Screen[Any]) -> tuple[Any, ...]:
        return tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            if self._shown is not None and isinstance(screen.focused, Input):
                # Typing in a one-line box (the search) takes the letter keys for itself; the
                # box lasts seconds and Enter or Esc leave it, so the footer keeps the screen's
                # keys rather than being rebuilt twice per search.
                return
            signature = self._signature(screen)
            if signature == self._shown:
                return  # the same keys: nothing to rebuild
            self._shown = signature
        super().bindings_changed(screen)
