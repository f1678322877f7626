"""The Textual application: which officer, which database, which screen first.

The CLI resolves the database and the officer before the app starts (no SQLite on the UI thread
once it runs); from then on every read and write runs in a thread worker.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

# Textual redraws at most MAX_FPS times a second, so a change (a search's rows) waits for the
# next frame: up to 17 ms at the default 60, 8 ms at 120. Read once, when Textual is imported.
os.environ.setdefault("TEXTUAL_FPS", "120")

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from desk.inbox import InboxSource
from desk.workflow import Actor


class DeskApp(App[None]):
    """desk: the officer's complaint desk."""

    TITLE = "desk"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Keluar", id="quit"),
        Binding("question_mark", "help", "Bantuan", id="help"),
    ]

    def __init__(
        self,
        db_path: Path,
        actor: Actor | None,
        officers: list[dict[str, Any]] | None = None,
        *,
        office_tz: str = "Asia/Makassar",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        from widgets.bindings import localize_bindings

        localize_bindings(self, {"quit": "binding.quit", "help": "binding.help"})
        self.db_path = db_path
        self.actor = actor
        self.officers = officers or []
        self.office_tz = office_tz
        self.source: InboxSource | None = None
        self.clock = clock

    def on_mount(self) -> None:
        # Everything imported so far lives as long as the app: keep it out of the collector's
        # full passes, which otherwise pause a random key by 20–40 ms (bench/README.md).
        gc.freeze()
        if self.actor is None:
            from screens.officer_picker import OfficerPicker

            self.push_screen(OfficerPicker(self.officers, self.db_path), self._officer_chosen)
        else:
            self._open_inbox(self.actor)

    def _officer_chosen(self, actor: Actor | None) -> None:
        if actor is None:
            self.exit()
            return
        from desk.config import load_config, save_config

        config = load_config()
        config.remember_officer(self.db_path, actor.nip)
        save_config(config)
        self._open_inbox(actor)

    def _open_inbox(self, actor: Actor) -> None:
        from screens.inbox import InboxScreen

        self.actor = actor
        if self.clock is not None:
            self.source = InboxSource(self.db_path, actor, clock=self.clock)
        else:
            self.source = InboxSource(self.db_path, actor)
        self.push_screen(InboxScreen(self.source, self.db_path, office_tz=self.office_tz))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette lists every action of the current screen (its key bindings) too."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            node, action = active.node, binding.action
            yield SystemCommand(
                f"{binding.description} ({key})",
                binding.tooltip or binding.description,
                partial(self._run_bound_action, node, action),
            )

    def _run_bound_action(self, node: DOMNode, action: str) -> None:
        self.call_later(self.run_action, action, node)

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()
