"""The inbox: views with live counts, search, a million-row case list, marks and bulk actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
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
from desk.i18n import action_label, current_language, role_label, t
from desk.i18n import count_text as number
from desk.inbox import InboxSource, Query
from desk.search_query import parse_query
from desk.sync import texts as _sync_texts  # noqa: F401  (registers the sync texts)
from desk.views import VIEWS, view_by_code
from desk.workflow import Action, Role
from widgets.bindings import localize_bindings
from widgets.case_list import CaseList
from widgets.dialogs import (
    AssigneePicker,
    ConfirmDialog,
    ReasonDialog,
    UnitPicker,
)
from widgets.key_footer import KeyFooter
from widgets.search_input import SearchInput
from widgets.status_line import StatusLine
from widgets.worker_errors import notify_failure

ORDERS = ("due", "received", "updated")
ORDER_LABELS = {
    "due": ("paling mendesak", "most urgent"),
    "received": ("terbaru diterima", "newest received"),
    "updated": ("terakhir diubah", "last updated"),
}


BINDING_LABELS = {
    "search": "binding.search",
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
    InboxScreen.narrow #views { display: none; }
    InboxScreen SearchInput { display: none; }
    InboxScreen SearchInput.visible { display: block; }
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
        Binding("escape", "clear_search", "Hapus cari", show=False),
        Binding("o", "cycle_order", "Urutan", id="order"),
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

    def default_view(self) -> str:
        return "unit" if self.source.actor.role is Role.PETUGAS else "verifikasi"

    def compose(self) -> ComposeResult:
        yield Static("", id="title", markup=False)
        with Horizontal():
            yield OptionList(id="views")
            with Vertical():
                yield SearchInput(placeholder=t("inbox.search_placeholder"), id="search")
                yield CaseList(office_tz=self.office_tz, id="cases")
        yield StatusLine(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(CaseList).position_changed = self._list_moved
        self.query_one(CaseList).focus()
        self._fill_view_list()
        self.reload()
        self.refresh_counts()
        self.refresh_status()
        self.set_interval(30, self.refresh_counts)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "narrow")

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
        parts = [
            t(
                "status.officer",
                name=actor.name,
                role=role_label(actor.role.value),
                unit=actor.unit_code,
            ),
            self.db_path.name,
            t("status.outbox", count=number(outbox)),
            t("status.last_sync", at=synced[0]) if synced else t("status.never_synced"),
        ]
        if not remote:
            parts.append(t("status.local_only"))
        if conflicts:
            parts.append(t("sync.status.conflicts", count=number(conflicts)))
        if notices:
            # Actions the central system refused (or had already): each case says which.
            parts.append(t("sync.status.notices", count=number(notices)))
        if self.sync_note:
            parts.append(self.sync_note)
        elif failed:
            parts.append(t("sync.status.failed"))
        self.query_one(StatusLine).show(parts)

    # -- sync --------------------------------------------------------------------------------

    def action_sync(self) -> None:
        if self.syncing:
            return  # one sync at a time
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
            self.notify(
                t("intake.refused", role=role_label(self.source.actor.role.value)),
                severity="warning",
                markup=False,
            )
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
        for index, view in enumerate(VIEWS):
            count = self.counts.get(view.code)
            label = f"{index + 1} {view.label}"
            counted = number(count) if count is not None else "…"
            views.add_option(Option(Content(f"{label:<20}{counted:>7}"), id=view.code))
        views.highlighted = highlighted

    def _show_title(self) -> None:
        cases = self.query_one(CaseList)
        view = view_by_code(self.query_state.view)
        english = current_language() == "en"
        order = ORDER_LABELS[self.query_state.order][1 if english else 0]
        parts = [view.label]
        if self.search_text:
            parts.append(t("inbox.search_active", query=self.search_text))
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
        search = self.query_one(SearchInput)
        search.add_class("visible")
        search.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            search = parse_query(text, office_tz=self.office_tz) if text else None
        except DeskError as error:
            self.notify(str(error), severity="error", markup=False, title=t("inbox.search"))
            return
        self.query_one(SearchInput).remember(text)
        self.search_text = text
        self.query_state = Query(
            view=self.query_state.view, search=search, order=self.query_state.order
        )
        self._reload_then(self._show_search)

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer a bulk key only to roles that may take that action at all."""
        if action == "bulk" and parameters:
            return self.source.actor.role in BULK_ROLES.get(str(parameters[0]), set())
        return True

    def action_bulk(self, name: str) -> None:
        targets = self._targets()
        if not targets:
            return
        self._prepare_bulk(Action(name), targets)

    @work(thread=True, group="bulk-prepare", exclusive=True, exit_on_error=False)
    def _prepare_bulk(self, action: Action, targets: list[dict[str, Any]]) -> None:
        choices: list[tuple[str, str]] = []
        if action is Action.VERIFY:
            choices = self.source.units()
        elif action is Action.ASSIGN:
            choices = self.source.unit_officers(targets[0].get("unit_code"))
        self.app.call_from_thread(self._ask_bulk, action, targets, choices)

    def _ask_bulk(
        self, action: Action, targets: list[dict[str, Any]], choices: list[tuple[str, str]]
    ) -> None:
        count = len(targets)

        def confirmed_then(arguments: dict[str, Any]) -> None:
            if count <= CONFIRM_ABOVE:
                self._run_bulk(action, targets, arguments)
                return
            message = t("bulk.confirm", action=action_label(action.value), count=number(count))

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run_bulk(action, targets, arguments)

            self.app.push_screen(ConfirmDialog(message), answered)

        def chosen(key: str) -> Callable[[str | None], None]:
            def take(value: str | None) -> None:
                if value:
                    confirmed_then({key: value})

            return take

        title = t("bulk.title", action=action_label(action.value), count=number(count))
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
        message = t("bulk.done", action=action_label(action.value), count=number(len(result.done)))
        if result.refused:
            first = result.refused[0][1]
            message += " " + t("bulk.refused", count=number(len(result.refused)), reason=first)
        self.notify(
            message,
            severity="warning" if result.refused else "information",
            markup=False,
            timeout=10,
        )
        self.action_refresh()

    def on_case_list_opened(self, event: CaseList.Opened) -> None:
        try:
            from screens.case_detail import CaseScreen
        except ImportError:
            self.notify(str(event.case["tracking_no"]), markup=False)
            return
        self.app.push_screen(CaseScreen(self.source, event.case["id"]), self._back_from_case)

    def _back_from_case(self, changed: bool | None) -> None:
        if changed:
            self.refresh_counts()
            self.refresh_status()
            self.query_one(CaseList).refresh_rows()
