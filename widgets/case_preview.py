"""The preview of the highlighted case, beside the inbox list (or under it on a narrow terminal).

What it shows is read by `InboxSource.preview` (desk/inbox.py) with the case screen's rules: the
body's first lines, the reporter as the officer's role may see them, the clocks and the last
event. It is read in a worker some moments after the cursor stops (PREVIEW_DELAY), so holding
`j` down never waits on it, and only the last case asked for is drawn. Complaint text is drawn as
a `Text` after `printable()`: never parsed as markup, never sent as escape sequences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from desk.i18n import CATALOG, extend, status_label, t
from desk.inbox import CasePreview
from desk.safety import printable
from widgets.worker_errors import notify_failure

TEXTS: dict[str, tuple[str, str]] = {
    "preview.refused": ("Ditolak:", "Refused:"),
    "preview.reporter": ("Pelapor", "Reporter"),
    "preview.received": ("Diterima", "Received"),
    "preview.last_event": ("Terakhir", "Last"),
}
if "preview.refused" not in CATALOG:
    extend(TEXTS)

PREVIEW_DELAY = 0.12  # seconds the cursor rests on a case before its preview is read
BODY_LINES = 6


class CasePreviewPane(Static):
    DEFAULT_CSS = """
    CasePreviewPane {
        padding: 0 1;
        background: $surface;
        overflow: hidden hidden;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.loader: Callable[[int], CasePreview] | None = None
        self.case_id: int | None = None  # the case asked for
        self.shown: CasePreview | None = None
        self.refusal: str | None = None  # why the last bulk action refused this case
        self._timer: Timer | None = None

    def show_case(self, case_id: int | None, refusal: str | None = None) -> None:
        """Preview `case_id` once the cursor rests on it (None: nothing highlighted)."""
        if case_id == self.case_id and refusal == self.refusal and self.shown is not None:
            return
        self.case_id, self.refusal = case_id, refusal
        if self._timer is not None:
            self._timer.stop()
        if case_id is None:
            self.shown = None
            self.update(Text(t("inbox.empty"), style="dim"), layout=False)
            return
        if not self.display:
            return  # read when shown
        self._timer = self.set_timer(PREVIEW_DELAY, self._read)

    def reread(self) -> None:
        """Read the case again (it changed)."""
        self.shown = None
        if self.case_id is not None and self.display:
            if self._timer is not None:
                self._timer.stop()
            self._timer = self.set_timer(PREVIEW_DELAY, self._read)

    def on_show(self) -> None:
        self.reread()

    def _read(self) -> None:
        if self.loader is not None and self.case_id is not None:
            self._load(self.case_id)

    @work(thread=True, group="preview", exclusive=True, exit_on_error=False)
    def _load(self, case_id: int) -> None:
        assert self.loader is not None
        preview = self.loader(case_id)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, preview)

    def _loaded(self, preview: CasePreview) -> None:
        if preview.case_id != self.case_id:
            return  # the cursor moved on meanwhile
        self.shown = preview
        self.update(self.describe(preview), layout=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)

    def describe(self, preview: CasePreview) -> Text:
        """The preview as text: every value from the case is made printable, none is markup."""

        def plain(value: str) -> str:
            return printable(value, keep_newlines=False)

        text = Text(no_wrap=False, overflow="fold")
        if self.refusal:
            text.append(t("preview.refused") + " ", style="bold red")
            text.append(plain(self.refusal) + "\n\n", style="red")
        text.append(plain(preview.label), style="bold")
        text.append(" · " + status_label(preview.status))
        if preview.unit_code:
            text.append(" · " + plain(preview.unit_code))
        text.append("\n")
        text.append(plain(preview.title) + "\n", style="bold")
        # The body's first lines, as many as the pane leaves beside the lines below them.
        width = max(20, self.content_region.width or 40)
        fixed = 4 + len(preview.clocks) + (2 if preview.last_event else 0)
        room = max(2, (self.content_region.height or 12) - fixed)
        body = " ".join(
            printable(line, keep_newlines=False)
            for line in preview.body.strip().splitlines()[:BODY_LINES]
            if line.strip()
        )
        budget = width * room
        if len(body) > budget:
            body = body[: budget - 1] + "…"
        text.append(body + "\n\n")
        text.append(t("preview.reporter") + ": ", style="dim")
        text.append(plain(preview.reporter))
        text.append(" · " + t("preview.received") + ": ", style="dim")
        text.append(preview.received + "\n")
        for label, remaining, deadline, days in preview.clocks:
            style = "bold red" if days is not None and days < 0 else ""
            text.append(plain(label) + ": ", style="dim")
            text.append(remaining, style=style)
            text.append(f" ({deadline})\n")
        if preview.last_event is not None:
            when, who, what, first = preview.last_event
            text.append(t("preview.last_event") + ": ", style="dim")
            text.append(" · ".join(plain(part) for part in (what, who, when) if part))
            if first:
                text.append("\n  " + plain(first), style="italic")
        return text
