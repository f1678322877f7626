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

from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.screen import Screen

from desk.i18n import CATALOG, extend, t
from desk.inbox import InboxSource
from desk.workflow import Actor

TEXTS: dict[str, tuple[str, str]] = {
    "app.palette": ("Perintah", "Commands"),
    "app.palette.placeholder": ("Cari perintah…", "Search for commands…"),
    "app.palette.no_match": ("Tidak ada perintah yang cocok", "No matching command"),
    "app.quit_hint": ("Tekan {key} untuk keluar dari desk.", "Press {key} to quit desk."),
}
if "app.palette" not in CATALOG:
    extend(TEXTS)


FULL_PASS_EVERY = 10.0  # seconds between the collector's full passes, run by the app's timer
FULL_PASS_NEVER = 1_000_000  # gen-1 passes before Python would start one by itself


class DeskPalette(CommandPalette):
    """Textual's command palette, speaking the officer's language."""

    def __init__(self) -> None:
        super().__init__(placeholder=t("app.palette.placeholder"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own says "No matches found" in English whatever the language.
        from rich.align import Align
        from rich.text import Text
        from textual.command import CommandList
        from textual.widgets.option_list import Option

        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(t("app.palette.no_match"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)


class DeskApp(App[None]):
    """desk: the officer's complaint desk."""

    TITLE = "desk"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: quitting works whatever has the focus, a dialog included.
        Binding("ctrl+q", "quit", "Keluar", id="quit", priority=True),
        Binding("question_mark", "help", "Bantuan", id="help"),
        Binding("ctrl+p", "command_palette", "Perintah", show=False, priority=True, id="palette"),
        # Tab moves the focus at once, before the next key is routed (see action_tab_focus).
        Binding("tab", "tab_focus(1)", show=False, priority=True, system=True),
        Binding("shift+tab", "tab_focus(-1)", show=False, priority=True, system=True),
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

        localize_bindings(
            self, {"quit": "binding.quit", "help": "binding.help", "palette": "app.palette"}
        )
        self.db_path = db_path
        self.actor = actor
        self.officers = officers or []
        self.office_tz = office_tz
        self.source: InboxSource | None = None
        self.clock = clock
        self._thresholds = gc.get_threshold()  # the collector's, given back on exit

    def on_mount(self) -> None:
        # Everything imported so far lives as long as the app: keep it out of the collector's
        # full passes, which otherwise pause a random key by 20–40 ms (bench/README.md).
        gc.freeze()
        # The full passes still come, over what the inbox made since (pages, search results):
        # Python starts one in the middle of whatever allocates, a search typically (measured
        # 15–37 ms each, a search then over 50 ms). They run on a timer instead, between keys.
        gc.set_threshold(*self._thresholds[:2], FULL_PASS_NEVER)
        self.set_interval(FULL_PASS_EVERY, self._full_collection)
        if self.actor is None:
            from screens.officer_picker import OfficerPicker

            self.push_screen(OfficerPicker(self.officers, self.db_path), self._officer_chosen)
        else:
            self._open_inbox(self.actor)

    def _full_collection(self) -> None:
        gc.collect()

    def on_unmount(self) -> None:
        gc.set_threshold(*self._thresholds)  # the process may go on (tests, `desk demo` then exit)

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
        """The palette lists the actions of the current screen (its key bindings), each once,
        in the officer's language; Textual's own (theme, screenshot, maximize) are left out."""
        from widgets.dialogs import screen_commands

        for command in screen_commands(screen):
            if command.action == "command_palette":
                continue  # the palette is open already
            yield SystemCommand(
                f"{command.description} ({command.keys})",
                command.description,
                partial(self._run_bound_action, command.node, command.action),
            )

    def _run_bound_action(self, node: DOMNode, action: str) -> None:
        self.call_later(self.run_action, action, node)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(DeskPalette())

    def action_help(self) -> None:
        """Every command of the screen, each once with its keys; Enter runs one."""
        from widgets.dialogs import KeysDialog, screen_commands

        screen = self.screen
        commands = [c for c in screen_commands(screen) if c.action != "help"]

        def chosen(command: Any) -> None:
            if command is not None:
                self._run_bound_action(command.node, command.action)

        self.push_screen(KeysDialog(commands), chosen)

    def action_help_quit(self) -> None:
        """ctrl+c (a reflex to quit) says which key quits, in the officer's language."""
        self.notify(t("app.quit_hint", key="ctrl+q"), markup=False)

    def action_tab_focus(self, direction: int) -> None:
        """Move the focus now, not when the Tab key has travelled through the focused widget.

        Textual forwards each key to the focused widget's queue and runs a screen's `tab`
        binding only when the key comes back up unhandled: keys that arrive together (a paste,
        a barcode scanner, SSH over a slow link) were by then already queued for the field that
        Tab was leaving. As a priority binding this runs before the next key is routed. A widget
        that uses Tab itself (an indenting text area, its own binding) still gets it.
        """
        focused = self.focused
        if focused is not None:
            if focused.check_consume_key("tab" if direction > 0 else "shift+tab", None):
                raise SkipAction()
            key = "tab" if direction > 0 else "shift+tab"
            for node in focused.ancestors_with_self:
                if isinstance(node, Screen):
                    break
                if key in node._bindings.key_to_bindings:
                    raise SkipAction()
        if direction > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()
