"""The inbox: views with live counts, search, a million-row case list, marks and bulk actions."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

import desk.intake  # (registers the texts of the new-case key)
import desk.report_texts  # noqa: F401  (registers the dashboard's texts)
from desk.bulk import CONFIRM_ABOVE, BulkResult, perform_many
from desk.errors import DeskError
from desk.i18n import CATALOG, action_label, current_language, extend, role_label, t
from desk.i18n import count_text as number
from desk.inbox import InboxSource, KnownValues, Query
from desk.safety import printable
from desk.search_query import is_number_search, parse_query
from desk.sync import texts as _sync_texts  # noqa: F401  (registers the sync texts)
from desk.views import VIEWS, view_by_code
from desk.workflow import Action, Role, refusal
from widgets.bindings import localize_bindings
from widgets.case_list import CaseList, number_label
from widgets.case_preview import CasePreviewPane
from widgets.dialogs import (
    AssigneePicker,
    ConfirmDialog,
    ReasonDialog,
    UnitPicker,
)
from widgets.key_footer import KeyFooter
from widgets.search_input import SearchInput
from widgets.status_line import (
    DATABASE,
    LAST_SYNC,
    OFFICER,
    OUTBOX,
    PLACE,
    PROBLEMS,
    SYNC,
    Part,
    StatusLine,
)
from widgets.worker_errors import notify_failure

ORDERS = ("due", "received", "updated")
ORDER_LABELS = {
    "due": ("paling mendesak", "most urgent"),
    "received": ("terbaru diterima", "newest received"),
    "updated": ("terakhir diubah", "last updated"),
}


TEXTS: dict[str, tuple[str, str]] = {
    "inbox.search_in": ("cari di {view}: {query}", "search in {view}: {query}"),
    "inbox.search_in_placeholder": (
        "Cari di {view}: kata, status:, unit:, kanal:, #nomor (Enter; Esc batal)",
        "Search in {view}: words, status:, unit:, channel:, #number (Enter; Esc cancels)",
    ),
    "binding.search_all": ("Cari semua", "Search all"),
    "binding.preview": ("Pratinjau", "Preview"),
    "inbox.number_elsewhere": (
        "{number} tidak ada di {view}; ada di {views}. Kasusnya dibuka.",
        "{number} is not in {view}; it is in {views}. The case is open.",
    ),
    "inbox.number_unknown": (
        "{number} tidak ada di antara kasus yang dapat Anda baca.",
        "{number} is not among the cases you may read.",
    ),
    "inbox.nothing_highlighted": (
        "Tidak ada kasus di daftar ini untuk {action}.",
        "There is no case in this list to {action}.",
    ),
    "inbox.role_never": (
        "{key}: {action} bukan wewenang {role}.",
        "{key}: {action} is not for a {role}.",
    ),
    "inbox.no_marks": (
        "Tanda hanya untuk tindakan bersama; {role} tidak mengambil tindakan pada kasus.",
        "Marks are for bulk actions; a {role} takes no action on cases.",
    ),
    "inbox.state_refused": ("{ref}: {reason}", "{ref}: {reason}"),
    "inbox.already_syncing": ("Sinkron sedang berjalan.", "A sync is already running."),
    "bulk.confirm.unit": (
        "{action} {count} kasus ke {unit}?",
        "{action} {count} cases to {unit}?",
    ),
    "bulk.confirm.unit.one": (
        "{action} {count} kasus ke {unit}?",
        "{action} {count} case to {unit}?",
    ),
    "bulk.confirm.officer": (
        "{action} {count} kasus kepada {officer}?",
        "{action} {count} cases to {officer}?",
    ),
    "bulk.confirm.officer.one": (
        "{action} {count} kasus kepada {officer}?",
        "{action} {count} case to {officer}?",
    ),
    "bulk.confirm.reason": (
        "{action} {count} kasus (alasan: {reason})?",
        "{action} {count} cases (reason: {reason})?",
    ),
    "bulk.confirm.reason.one": (
        "{action} {count} kasus (alasan: {reason})?",
        "{action} {count} case (reason: {reason})?",
    ),
    "bulk.confirm.skipped": (
        " {count} kasus lain yang ditandai tidak dapat: {reason}",
        " {count} other marked cases cannot: {reason}",
    ),
    "bulk.confirm.skipped.one": (
        " {count} kasus lain yang ditandai tidak dapat: {reason}",
        " {count} other marked case cannot: {reason}",
    ),
    "bulk.refused_marked": (
        "{count} ditolak dan tetap ditandai (!): sorot kasusnya untuk alasannya (p: pratinjau).",
        "{count} refused and still marked (!): highlight one for its reason (p: preview).",
    ),
    "status.short_officer": ("{name} ({unit})", "{name} ({unit})"),
}
if "inbox.search_in" not in CATALOG:
    extend(TEXTS)

# Short names of the views for the side list when the terminal leaves it little room.
SHORT_VIEW_LABELS = {
    "verifikasi": ("Verifikasi", "Verify"),
    "unit": ("Unit saya", "My unit"),
    "lewat": ("Lewat", "Overdue"),
    "tanggapan": ("Tanggapan", "Replied"),
    "tunda": ("Ditunda", "On hold"),
    "saya": ("Tugas saya", "Mine"),
    "semua": ("Semua", "All"),
    "selesai": ("Selesai", "Closed"),
}
NARROW = 100  # below: no side list
COMPACT = 140  # below: the side list with short names
WIDE = 160  # from here the preview sits beside the list, shown unless toggled off
PREVIEW_ROOM = 200  # with the preview beside, the side list is compact below this
POLL_CHANGES = 1.0  # seconds between two looks at the database's change counter
KNOWN_AGAIN = 120.0  # after a change, the known units/channels/categories are read again

BINDING_LABELS = {
    "search": "binding.search",
    "search-all": "binding.search_all",
    "clear-search": "binding.clear_search",
    "preview": "binding.preview",
    "order": "binding.order",
    "refresh": "binding.refresh",
    "bulk-dispose": "binding.verify",
    "bulk-assign": "binding.bulk_assign",
    "bulk-hold": "binding.hold",
    "bulk-archive": "binding.archive",
    "sync": "binding.sync",
    "sync-conflicts": "binding.sync_conflicts",
    "new-case": "binding.new_case",
    "dashboard": "binding.dashboard",
}
# What each bulk key needs of the officer's role (the services check every case again).
BULK_ROLES = {
    "verify": {Role.ADMIN},
    "assign": {Role.ADMIN, Role.PETUGAS},
    "hold": {Role.ADMIN},
    "archive": {Role.ADMIN},
}
BULK_KEYS = {"v": "verify", "a": "assign", "t": "hold", "A": "archive"}
MARK_ALL_LIMIT = 5_000  # marking a whole view beyond this is a mistake, not a plan
LIST_QUIET = 0.1  # seconds a new list may take before the screen shows it is coming


def _refusal_lines(database: Any, log_id: int, limit: int = 3) -> str:
    """What the sync's officer must know of the actions the central system did not take:
    which case and action, why, and where their text went (the first few; each case's screen
    and `desk sync rejected` have them all)."""
    from desk.safety import printable
    from desk.sync.conflicts import answers_of_sync
    from desk.sync.texts import draft_label, op_label

    answers = [a for a in answers_of_sync(database, log_id) if a.result != "same" or a.draft]
    lines = []
    for answer in answers[:limit]:
        line = f"{answer.label} {op_label(answer.kind)}: {answer.reason}"
        if answer.draft:
            line += " — " + t("sync.refused_draft", draft=draft_label(answer.draft))
        lines.append(printable(line, keep_newlines=False))
    if len(answers) > limit:
        lines.append("…")
    return "".join("\n" + line for line in lines)


class InboxScreen(Screen[None]):
    DEFAULT_CSS = """
    InboxScreen #title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    InboxScreen #views { width: 32; border-right: solid $panel; }
    InboxScreen.compact #views { width: 20; }
    InboxScreen.narrow #views { display: none; }
    InboxScreen SearchInput { display: none; }
    InboxScreen SearchInput.visible { display: block; }
    InboxScreen #body { layout: horizontal; }
    InboxScreen CasePreviewPane { display: none; }
    InboxScreen.preview-beside CasePreviewPane {
        display: block; width: 44; height: 1fr; border-left: solid $panel;
    }
    InboxScreen.preview-below #body { layout: vertical; }
    InboxScreen.preview-below CasePreviewPane {
        display: block; height: 11; width: 1fr; border-top: solid $panel;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(index + 1),
                f"view('{view.code}')",
                view.label_id,
                show=False,
                id=f"view-{view.code}",
            )
            for index, view in enumerate(VIEWS)
        ),
        Binding("slash", "search", "Cari", id="search"),
        Binding("f", "search_all", "Cari semua", id="search-all"),
        Binding("p", "toggle_preview", "Pratinjau", id="preview"),
        Binding("escape", "clear_search", "Hapus cari", show=False, id="clear-search"),
        Binding("o", "cycle_order", "Urutan", show=False, id="order"),
        Binding("ctrl+r", "refresh", "Muat ulang", show=False, id="refresh"),
        Binding("v", "bulk('verify')", "Disposisi", id="bulk-dispose"),
        Binding("a", "bulk('assign')", "Tugaskan", show=False, id="bulk-assign"),
        Binding("t", "bulk('hold')", "Tunda", show=False, id="bulk-hold"),
        Binding("A", "bulk('archive')", "Arsipkan", show=False, id="bulk-archive"),
        Binding("S", "sync", "Sinkron", show=False, id="sync"),
        Binding("K", "sync_conflicts", "Konflik sinkron", show=False, id="sync-conflicts"),
        Binding("N", "new_case", "Laporan baru", show=False, id="new-case"),
        Binding("d", "dashboard", "Dasbor", show=False, id="dashboard"),
    ]

    def __init__(self, source: InboxSource, db_path: Path, *, office_tz: str) -> None:
        super().__init__()
        localize_bindings(self, BINDING_LABELS)
        self.source = source
        self.db_path = db_path
        self.office_tz = office_tz
        self.query_state = Query(view=self.default_view())
        self.search_text = ""
        self.counts: dict[str, int] = {}
        self._total_pending = False
        self._pending_changes: list[Callable[[], None]] = []  # made when the rows arrive
        self.sync_note: str | None = None  # "sync: sending 12/40 …" while a sync runs
        self.syncing = False
        self.search_scope: str | None = None  # the view the open search box searches in
        self.preview_wanted: bool | None = None  # None: by the width (shown beside when wide)
        self.known: KnownValues | None = None  # for the search's unit:, kanal:, kategori:
        self._data_version: int | None = None
        self._known_at = 0.0

    def default_view(self) -> str:
        return "unit" if self.source.actor.role is Role.PETUGAS else "verifikasi"

    def compose(self) -> ComposeResult:
        yield Static("", id="title", markup=False)
        with Horizontal():
            yield OptionList(id="views")
            with Vertical():
                yield SearchInput(placeholder=t("inbox.search_placeholder"), id="search")
                with Horizontal(id="body"):
                    yield CaseList(office_tz=self.office_tz, id="cases")
                    yield CasePreviewPane(id="preview")
        yield StatusLine(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        cases = self.query_one(CaseList)
        cases.position_changed = self._list_moved
        cases.can_mark = any(self._role_may(name) for name in BULK_ROLES)
        cases.focus()
        self.query_one(CasePreviewPane).loader = self.source.preview
        self._fill_view_list()
        self.reload()
        self.refresh_counts()
        self.refresh_status()
        self.set_interval(30, self.refresh_counts)
        # Changes made elsewhere (the CLI, a sync, another desk) show within two seconds.
        self._read_data_version()
        self.set_interval(POLL_CHANGES, self._poll_changes)
        self.set_timer(1.5, self._load_known)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        """Side list, list and preview by the width: the title of a case gets the room."""
        width = self.size.width
        beside = width >= WIDE and self.preview_wanted is not False
        below = not beside and bool(self.preview_wanted)
        self.set_class(width < NARROW, "narrow")
        compact = width < COMPACT or (beside and width < PREVIEW_ROOM)
        self.set_class(compact, "compact")
        self.query_one("#views", OptionList).set_class(compact, "-textual-compact")
        self.set_class(beside, "preview-beside")
        self.set_class(below, "preview-below")
        self._fill_view_list()
        if beside or below:
            self._preview_current()

    def action_toggle_preview(self) -> None:
        shown = self.has_class("preview-beside") or self.has_class("preview-below")
        self.preview_wanted = not shown
        self._lay_out()

    def _preview_current(self) -> None:
        cases = self.query_one(CaseList)
        current = cases.current
        case_id = int(current["id"]) if current else None
        reason = cases.refused.get(case_id) if case_id is not None else None
        self.query_one(CasePreviewPane).show_case(case_id, reason)

    # -- changes made elsewhere --------------------------------------------------------------

    def _poll_changes(self) -> None:
        if not self.is_attached or self.app.screen is not self:
            return  # a screen above: its own return refreshes this one
        self._read_data_version()

    @work(thread=True, group="poll", exclusive=True, exit_on_error=False)
    def _read_data_version(self) -> None:
        version = self.source.data_version()
        self.app.call_from_thread(self._data_version_read, version)

    def _data_version_read(self, version: int) -> None:
        seen, self._data_version = self._data_version, version
        if seen is not None and version != seen:
            self.follow_changes()

    def follow_changes(self) -> None:
        """Show what changed in the database, keeping the cursor on the same case and the marks."""
        cases = self.query_one(CaseList)
        if cases.rows:
            cases.refresh_rows()
        else:
            cases.reset(partial(self.source.page, self.query_state), total=0, quiet=True)
        self.load_total(self.query_state)
        self.refresh_counts()
        self.refresh_status()
        self.query_one(CasePreviewPane).reread()
        if time.monotonic() - self._known_at > KNOWN_AGAIN:
            self._read_known(again=True)  # a sync or an import may bring new units

    def _load_known(self) -> None:
        self._read_known()

    @work(thread=True, group="known", exclusive=True, exit_on_error=False)
    def _read_known(self, again: bool = False) -> None:
        from db.stemming import stem_text

        # The stemmer loads on the first word stemmed: here, off the path of the first search.
        stem_text("perbaikan")
        self._known_at = time.monotonic()
        known = self.source.known_values(again=again)
        self.app.call_from_thread(setattr, self, "known", known)

    # -- loading ---------------------------------------------------------------------------

    def reload(self, *, quiet: bool = False) -> None:
        """Show the current view/search/order from its top.

        `quiet`: change nothing on screen until the first rows arrive (see _reload_then).
        """
        cases = self.query_one(CaseList)
        # A view's count from the side list is shown at once (the exact count follows): the
        # whole office's view took 25-50 ms to count, after the rows.
        known = self.counts.get(self.query_state.view) if self.query_state.search is None else None
        cases.reset(partial(self.source.page, self.query_state), total=known or 0, quiet=quiet)
        cases.clear_marks()
        # Counted once the first page is on screen: run together, the two queries slow each
        # other down (measured: first page 142 ms instead of 70 ms on a million cases).
        self._total_pending = True
        if not quiet:
            self._show_title()

    @work(thread=True, group="total", exclusive=True, exit_on_error=False)
    def load_total(self, query: Query) -> None:
        total = self.source.count(query)
        self.app.call_from_thread(self._total_loaded, query, total)

    def _total_loaded(self, query: Query, total: int) -> None:
        if query == self.query_state:
            self.query_one(CaseList).set_total(total)
            self._show_title()

    @work(thread=True, group="counts", exclusive=True, exit_on_error=False)
    def refresh_counts(self) -> None:
        counts = self.source.view_counts()
        self.app.call_from_thread(self._counts_loaded, counts)

    def _counts_loaded(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._fill_view_list()

    @work(thread=True, group="status", exclusive=True, exit_on_error=False)
    def refresh_status(self) -> None:
        database = self.source.database()
        outbox = database.execute(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
        ).fetchone()[0]
        synced = database.execute(
            "SELECT value FROM sync_state WHERE key = 'last_sync_at'"
        ).fetchone()
        remote = database.execute(
            "SELECT value FROM sync_state WHERE key = 'remote_url'"
        ).fetchone()
        conflicts = database.execute(
            "SELECT count(*) FROM cases WHERE conflict IS NOT NULL"
        ).fetchone()[0]
        last = database.execute("SELECT outcome FROM sync_log ORDER BY id DESC LIMIT 1").fetchone()
        failed = bool(last and last[0] == "failed")
        from desk.sync.conflicts import notice_count

        notices = notice_count(database)
        self.app.call_from_thread(
            self._status_loaded, int(outbox), synced, remote, int(conflicts), failed, notices
        )

    def _status_loaded(
        self,
        outbox: int,
        synced: Any,
        remote: Any,
        conflicts: int = 0,
        failed: bool = False,
        notices: int = 0,
    ) -> None:
        actor = self.source.actor
        officer = t(
            "status.officer",
            name=actor.name,
            role=role_label(actor.role.value),
            unit=actor.unit_code,
        )
        short_officer = t("status.short_officer", name=actor.name.split()[0], unit=actor.unit_code)
        if synced:
            at = self._local_moment(str(synced[0]))
            last = Part(t("status.last_sync", at=at), LAST_SYNC)
        else:
            last = Part(t("status.never_synced"), LAST_SYNC)
        parts: list[str | Part] = [
            Part(officer, OFFICER, short=short_officer),
            Part(self.db_path.name, DATABASE),
            Part(t("status.outbox", count=number(outbox)), OUTBOX),
            last,
        ]
        if not remote:
            parts.append(Part(t("status.local_only"), PLACE))
        if conflicts:
            parts.append(Part(t("sync.status.conflicts", count=number(conflicts)), PROBLEMS))
        if notices:
            # Actions the central system refused (or had already): each case says which.
            parts.append(Part(t("sync.status.notices", count=number(notices)), PROBLEMS))
        if self.sync_note:
            # Short: the phase and its figure ("Mengambil 2.300/10.000 kasus …").
            first = self.sync_note.split(" · ")[0].removesuffix(" …")
            parts.append(Part(self.sync_note, SYNC, short=first + " …"))
        elif failed:
            parts.append(Part(t("sync.status.failed"), SYNC))
        self.query_one(StatusLine).show(parts)

    def _local_moment(self, instant: str) -> str:
        """ "10/11 09:00": a stored instant in the office's time, short."""
        from zoneinfo import ZoneInfo

        from db.timefmt import from_text

        try:
            moment = from_text(instant).astimezone(ZoneInfo(self.office_tz))
        except (ValueError, KeyError):
            return instant
        return f"{moment:%d/%m %H:%M}"

    def say(self, message: str, *, error: bool = False) -> None:
        """Answer a key on the bottom line (why it did nothing, what it found)."""
        self.query_one(StatusLine).say(message, error=error)

    # -- sync --------------------------------------------------------------------------------

    def action_sync(self) -> None:
        if self.syncing:
            self.say(t("inbox.already_syncing"))  # one sync at a time
            return
        self.syncing = True
        self.sync_note = t("sync.status.running")
        self.refresh_status()
        self._run_sync()

    @work(thread=True, group="sync", exclusive=True, exit_on_error=False)
    def _run_sync(self) -> None:
        from desk.sync.remote import load_remote
        from desk.sync.run import Progress, run_sync
        from desk.sync.witness import alarm_text

        database = self.source.database()

        def progress(event: Progress) -> None:
            # The progress line says it the way `desk sync` does (desk/sync/run.py).
            self.app.call_from_thread(self._sync_progress, event.text() + " …")

        try:
            remote = load_remote(database, self.db_path)
            report = run_sync(database, remote, progress=progress)
        except Exception as error:  # the officer hears of it; the flag is cleared either way
            from desk.errors import describe

            self.app.call_from_thread(self._sync_done, describe(error), "error")
            return
        message = report.summary()
        if report.error:
            message += " " + report.error
        message += _refusal_lines(database, report.log_id)
        severity = {"ok": "information", "partial": "warning"}.get(report.outcome, "error")
        held = report.numbers_held_text()
        if held:
            message += "\n" + held
            severity = "warning" if severity == "information" else severity
        alarm = alarm_text(database)
        if alarm:  # the central system holds an alarm about this desk's audit log
            message += "\n" + alarm
            severity = "error"
        self.app.call_from_thread(self._sync_done, message, severity)

    def _sync_progress(self, note: str) -> None:
        self.sync_note = note
        self.refresh_status()

    def _sync_done(self, message: str, severity: Any) -> None:
        self.sync_note = None
        self.syncing = False
        self.notify(message, severity=severity, markup=False, timeout=10)
        self.action_refresh()

    def action_dashboard(self) -> None:
        from screens.dashboard import DashboardScreen

        self.app.push_screen(
            DashboardScreen(
                self.db_path, office_tz=self.office_tz, source=self.source, clock=self.source.clock
            )
        )

    def action_new_case(self) -> None:
        """Record a complaint that came to the office (screens/intake.py, docs/intake.md)."""
        from desk.intake import INTAKE_ROLES
        from screens.intake import IntakeScreen

        if self.source.actor.role not in INTAKE_ROLES:
            refused = t("intake.refused", role=role_label(self.source.actor.role.value))
            self.say(refused)
            self.notify(refused, severity="warning", markup=False)
            return
        self.app.push_screen(
            IntakeScreen(self.source, self.db_path),
            lambda case_id: self._back_from_case(case_id is not None),
        )

    def action_sync_conflicts(self) -> None:
        from screens.conflicts import ConflictsScreen

        self.app.push_screen(ConflictsScreen(self.source), self._back_from_case)

    # -- showing ---------------------------------------------------------------------------

    def _fill_view_list(self) -> None:
        views = self.query_one("#views", OptionList)
        highlighted = next((i for i, v in enumerate(VIEWS) if v.code == self.query_state.view), 0)
        views.clear_options()
        compact = self.has_class("compact")
        english = current_language() == "en"
        for index, view in enumerate(VIEWS):
            count = self.counts.get(view.code)
            counted = number(count) if count is not None else "…"
            if compact:
                label = f"{index + 1} {SHORT_VIEW_LABELS[view.code][1 if english else 0]}"
                line = f"{label:<12}{counted:>8}"
            else:
                label = f"{index + 1} {view.label}"
                line = f"{label:<20}{counted:>7}"
            views.add_option(Option(Content(line), id=view.code))
        views.highlighted = highlighted

    def _show_title(self) -> None:
        cases = self.query_one(CaseList)
        view = view_by_code(self.query_state.view)
        english = current_language() == "en"
        order = ORDER_LABELS[self.query_state.order][1 if english else 0]
        parts = [view.label]
        if self.search_text:
            # The search says where it looks: the view it narrows ("Semua" for every case).
            parts.append(t("inbox.search_in", view=view.label, query=self.search_text))
        position = cases.position
        if position is not None:
            parts.append(
                t("inbox.position", position=number(position + 1), total=number(cases.total))
            )
        else:
            parts.append(number(cases.total))
        parts.append(order)
        if cases.marked:
            parts.append(t("inbox.marked", count=number(len(cases.marked))))
        # One fixed-height line: no layout pass, so it is redrawn in the same frame as the list.
        self.query_one("#title", Static).update(" · ".join(parts), layout=False)

    def on_case_list_highlighted(self, event: CaseList.Highlighted) -> None:
        if self._total_pending:
            self._total_pending = False
            self.load_total(self.query_state)
        if self.has_class("preview-beside") or self.has_class("preview-below"):
            self._preview_current()

    # -- actions ---------------------------------------------------------------------------

    def action_view(self, code: str) -> None:
        self.query_state = Query(
            view=code, search=self.query_state.search, order=self.query_state.order
        )
        self._reload_then(self._fill_view_list)

    @on(OptionList.OptionSelected, "#views")
    def _view_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.action_view(event.option.id)
            self.query_one(CaseList).focus()

    def action_search(self) -> None:
        self._open_search(self.query_state.view)

    def action_search_all(self) -> None:
        """Search every case the officer may read, from any view."""
        self._open_search("semua")

    def _open_search(self, scope: str) -> None:
        self.search_scope = scope
        search = self.query_one(SearchInput)
        search.placeholder = t("inbox.search_in_placeholder", view=view_by_code(scope).label)
        search.add_class("visible")
        search.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            search = parse_query(text, office_tz=self.office_tz, known=self.known) if text else None
        except DeskError as error:
            self.notify(str(error), severity="error", markup=False, title=t("inbox.search"))
            self.say(str(error), error=True)
            return
        self.query_one(SearchInput).remember(text)
        view = self.search_scope or self.query_state.view
        self.search_scope = None
        query = Query(view=view, search=search, order=self.query_state.order)
        if search is not None and is_number_search(search):
            # A number read out on the phone: that case, wherever it is.
            self._look_up_number(text, query)
            return
        self._apply_search(text, query)

    def _apply_search(self, text: str, query: Query) -> None:
        self.search_text = text
        self.query_state = query
        self._pending_changes.append(self._fill_view_list)  # the view may be "Semua" now
        self._reload_then(self._show_search)

    @work(thread=True, group="number", exclusive=True, exit_on_error=False)
    def _look_up_number(self, text: str, query: Query) -> None:
        assert query.search is not None
        if self.source.count(query):
            self.app.call_from_thread(self._apply_search, text, query)
            return
        case_id = self.source.find_number(query.search)
        holding = self.source.views_holding(query.search) if case_id is not None else []
        self.app.call_from_thread(self._number_found, text, query, case_id, holding)

    def _number_found(
        self, text: str, query: Query, case_id: int | None, holding: list[str]
    ) -> None:
        assert query.search is not None and query.search.tracking_no is not None
        tracking = query.search.tracking_no
        label = tracking if tracking.upper().startswith("L-") else f"#{tracking}"
        if case_id is None:
            self.say(t("inbox.number_unknown", number=label), error=True)
            self.query_one(SearchInput).focus()
            return
        views = ", ".join(view_by_code(code).label for code in holding)
        self.say(
            t(
                "inbox.number_elsewhere",
                number=label,
                view=view_by_code(query.view).label,
                views=views or view_by_code("semua").label,
            )
        )
        search = self.query_one(SearchInput)
        search.value = ""
        search.remove_class("visible")
        self.query_one(CaseList).focus()
        self._open_case(case_id)

    def _show_search(self) -> None:
        """The screen after a search: the list focused, the input hidden if the search is empty."""
        if not self.search_text:
            self.query_one(SearchInput).remove_class("visible")
        self.query_one(CaseList).focus()

    def _reload_then(self, change: Callable[[], None]) -> None:
        """Reload the list, and make `change` to the screen in the frame that draws its rows.

        A first page takes ~7 ms of SQLite when nothing else runs, but two or three times that
        while the screen is repainted meanwhile (the repaint holds Python's lock, which the
        query needs for every row): so the screen is left as it is until the rows arrive, and
        changes in one frame. A slow list changes the screen after LIST_QUIET all the same.
        """
        self._pending_changes.append(change)
        self.reload(quiet=True)
        self.set_timer(LIST_QUIET, self._apply_pending)

    def _apply_pending(self) -> None:
        changes, self._pending_changes = self._pending_changes, []
        for change in changes:
            change()
        if changes:
            self._show_title()

    def _list_moved(self) -> None:
        """The list's rows or cursor changed (in the frame that draws them)."""
        self._apply_pending()
        self._show_title()

    def action_clear_search(self) -> None:
        search = self.query_one(SearchInput)
        self.search_scope = None
        if self.search_text or search.has_class("visible"):
            search.value = ""
            search.remove_class("visible")
            self.query_one(CaseList).focus()
            if self.search_text:
                self.search_text = ""
                self.query_state = Query(view=self.query_state.view, order=self.query_state.order)
                self.reload()

    def action_cycle_order(self) -> None:
        order = ORDERS[(ORDERS.index(self.query_state.order) + 1) % len(ORDERS)]
        self.query_state = Query(
            view=self.query_state.view, search=self.query_state.search, order=order
        )
        self.reload()

    def action_refresh(self) -> None:
        self.reload()
        self.refresh_counts()
        self.refresh_status()

    # -- marks and bulk actions ------------------------------------------------------------

    def on_case_list_mark_all(self, event: CaseList.MarkAll) -> None:
        self._mark_view(self.query_state)

    @work(thread=True, group="mark-all", exclusive=True, exit_on_error=False)
    def _mark_view(self, query: Query) -> None:
        rows = self.source.case_ids(query, MARK_ALL_LIMIT + 1)
        self.app.call_from_thread(self._view_marked, rows)

    def _view_marked(self, rows: list[dict[str, Any]]) -> None:
        cases = self.query_one(CaseList)
        for row in rows[:MARK_ALL_LIMIT]:
            cases.marked[row["id"]] = row
        cases.refresh()
        if len(rows) > MARK_ALL_LIMIT:
            self.notify(t("bulk.mark_limit", count=number(MARK_ALL_LIMIT)), severity="warning")
        self._show_title()

    def _targets(self) -> list[dict[str, Any]]:
        cases = self.query_one(CaseList)
        if cases.marked:
            return list(cases.marked.values())
        return [cases.current] if cases.current else []

    def _role_may(self, name: str) -> bool:
        return self.source.actor.role in BULK_ROLES.get(name, set())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer a bulk key only to roles that may take that action at all."""
        if action == "bulk" and parameters:
            return self._role_may(str(parameters[0]))
        return True

    def on_key(self, event: events.Key) -> None:
        """A key the officer's role can never use is not offered, but still answers why."""
        if not isinstance(self.focused, CaseList):
            return
        role = role_label(self.source.actor.role.value)
        name = BULK_KEYS.get(event.character or "")
        if name is not None and not self._role_may(name):
            action = action_label(name)
            self.say(t("inbox.role_never", key=event.character, action=action, role=role))
            event.stop()
        elif event.key in ("space", "V") and not self.query_one(CaseList).can_mark:
            self.say(t("inbox.no_marks", role=role))
            event.stop()

    def action_bulk(self, name: str) -> None:
        targets = self._targets()
        action = Action(name)
        if not targets:
            self.say(t("inbox.nothing_highlighted", action=action_label(name)))
            return
        # What the rules refuse for the case's state is said now, not after a dialog.
        refused = [
            (target, reason)
            for target in targets
            if (reason := self._refusal(action, target)) is not None
        ]
        if len(refused) == len(targets):
            target, reason = refused[0]
            self.say(t("inbox.state_refused", ref=number_label(target), reason=reason))
            return
        self._prepare_bulk(action, targets, refused)

    def _refusal(self, action: Action, target: dict[str, Any]) -> str | None:
        """Why the rules refuse `action` on `target` (as the list read it), or None."""
        status = str(target.get("status") or "")
        if not status:
            return None
        chosen = action
        if action is Action.VERIFY and status != "baru":
            chosen = Action.DISPOSE
        return refusal(self.source.actor, chosen, status, target.get("unit_code"))

    @work(thread=True, group="bulk-prepare", exclusive=True, exit_on_error=False)
    def _prepare_bulk(
        self,
        action: Action,
        targets: list[dict[str, Any]],
        refused: list[tuple[dict[str, Any], str]],
    ) -> None:
        choices: list[tuple[str, str]] = []
        if action is Action.VERIFY:
            choices = self.source.units()
        elif action is Action.ASSIGN:
            choices = self.source.unit_officers(targets[0].get("unit_code"))
        self.app.call_from_thread(self._ask_bulk, action, targets, choices, refused)

    def _ask_bulk(
        self,
        action: Action,
        targets: list[dict[str, Any]],
        choices: list[tuple[str, str]],
        refused: list[tuple[dict[str, Any], str]] | None = None,
    ) -> None:
        refused = refused or []
        count = len(targets) - len(refused)
        label = action_label(action.value)

        def confirmed_then(arguments: dict[str, Any]) -> None:
            if len(targets) <= CONFIRM_ABOVE and not refused:
                self._run_bulk(action, targets, arguments)
                return
            # The question names what will happen: "disposisi 4 kasus ke DINKES?"
            if "unit_code" in arguments:
                message = t(
                    "bulk.confirm.unit",
                    action=label,
                    count=number(count),
                    unit=arguments["unit_code"],
                )
            elif "officer_nip" in arguments:
                names = dict(choices)
                officer = names.get(arguments["officer_nip"], arguments["officer_nip"])
                message = t(
                    "bulk.confirm.officer", action=label, count=number(count), officer=officer
                )
            else:
                message = t(
                    "bulk.confirm.reason",
                    action=label,
                    count=number(count),
                    reason=printable(arguments.get("reason", ""), keep_newlines=False),
                )
            if refused:
                message += t(
                    "bulk.confirm.skipped", count=number(len(refused)), reason=refused[0][1]
                )

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run_bulk(action, targets, arguments)

            self.app.push_screen(ConfirmDialog(message), answered)

        def chosen(key: str) -> Callable[[str | None], None]:
            def take(value: str | None) -> None:
                if value:
                    confirmed_then({key: value})

            return take

        title = t("bulk.title", action=label, count=number(count))
        if action is Action.VERIFY:
            self.app.push_screen(UnitPicker(choices, title=title), chosen("unit_code"))
        elif action is Action.ASSIGN:
            self.app.push_screen(AssigneePicker(choices, title=title), chosen("officer_nip"))
        else:
            self.app.push_screen(ReasonDialog(title, t("bulk.reason")), chosen("reason"))

    @work(thread=True, group="bulk-run", exit_on_error=False)
    def _run_bulk(
        self, action: Action, targets: list[dict[str, Any]], arguments: dict[str, Any]
    ) -> None:
        result = perform_many(
            self.source.database(),
            self.source.actor,
            action,
            [target["id"] for target in targets],
            **arguments,
        )
        self.app.call_from_thread(self._bulk_done, action, result)

    def _bulk_done(self, action: Action, result: BulkResult) -> None:
        cases = self.query_one(CaseList)
        for case_id in result.done:
            cases.marked.pop(case_id, None)  # refused cases stay marked, to be seen to
            cases.refused.pop(case_id, None)
        for case_id, reason in result.refused:
            cases.refused[case_id] = reason  # the "!" in the list; the preview says why
        message = t("bulk.done", action=action_label(action.value), count=number(len(result.done)))
        if result.refused:
            first = result.refused[0][1]
            message += " " + t("bulk.refused", count=number(len(result.refused)), reason=first)
            self.say(t("bulk.refused_marked", count=number(len(result.refused))), error=True)
        self.notify(
            message,
            severity="warning" if result.refused else "information",
            markup=False,
            timeout=10,
        )
        # The rows again, the marks kept: a reload from the top would clear them.
        cases.refresh()
        self.follow_changes()
        self._show_title()

    def on_case_list_opened(self, event: CaseList.Opened) -> None:
        self._open_case(int(event.case["id"]))

    def _open_case(self, case_id: int) -> None:
        try:
            from screens.case_detail import CaseScreen
        except ImportError:
            self.say(str(case_id))
            return
        self.app.push_screen(CaseScreen(self.source, case_id), self._back_from_case)

    def _back_from_case(self, changed: bool | None) -> None:
        if changed:
            self.refresh_counts()
            self.refresh_status()
            self.query_one(CaseList).refresh_rows()
