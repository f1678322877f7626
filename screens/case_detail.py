"""One case: its text, clocks, reporter, timeline and possible duplicates, and the actions on it.

The case is read in a thread worker (`desk.case_view`), and every action goes through
`desk.services.perform` in a worker too, with the version the officer is looking at, so an
action never lands on a case someone else changed meanwhile. Only the actions the officer may
take now have a key; the service checks again and its refusal is shown as it is.
Complaint text comes from the public: it is shown through `printable` as plain content, never
as markup.

When the central system did not take one of the case's actions (refused, or already done
there), a notice at the top says which, why, and which draft holds the officer's text; `c`
dismisses it. A note, a reporter's reply or a reason kept as a draft that way fills the dialog of
that action the next time, and is discarded once the action is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from desk.attachments import (
    AttachmentProblem,
    Entry,
    attach,
    attachments_for,
    human_size,
    read_attachment,
)
from desk.case_view import CaseView, EventView, format_moment, load_case_view
from desk.drafts import NOTE, REASON, REPORTER_REPLY, discard_draft, load_draft
from desk.errors import StaleCase, describe
from desk.i18n import action_label, classification_label, status_label, t
from desk.inbox import InboxSource
from desk.safety import printable
from desk.services import Outcome, perform
from desk.sync import texts as _sync_texts  # noqa: F401  (registers the sync texts)
from desk.sync.conflicts import Rejection, dismiss_notices, list_notices
from desk.sync.texts import draft_how, draft_label, op_label
from desk.viewer import open_with_viewer
from desk.workflow import Action
from widgets.bindings import localize_bindings
from widgets.dialogs import (
    AssigneePicker,
    ConfirmDialog,
    ReasonDialog,
    UnitPicker,
)
from widgets.key_footer import KeyFooter
from widgets.worker_errors import notify_failure

__all__ = ["CaseScreen"]

# Which workflow actions enable each key's action (any one of them is enough).
KEY_ACTIONS: dict[str, frozenset[Action]] = {
    "verify": frozenset({Action.VERIFY, Action.DISPOSE}),
    "return_case": frozenset({Action.RETURN}),
    "hold": frozenset({Action.HOLD}),
    "resume": frozenset({Action.RESUME}),
    "note": frozenset({Action.NOTE}),
    "assign": frozenset({Action.ASSIGN}),
    "reply": frozenset({Action.FOLLOW_UP}),
    "reporter_reply": frozenset({Action.REPORTER_REPLY}),
    "close_case": frozenset({Action.CLOSE}),
    "reopen": frozenset({Action.REOPEN}),
    "archive": frozenset({Action.ARCHIVE}),
    "restore": frozenset({Action.RESTORE}),
    "duplicate": frozenset({Action.ARCHIVE}),
    "attach_file": frozenset({Action.NOTE}),  # who may add a note may attach (desk/attachments)
}
BINDING_LABELS = {
    "case-back": "binding.back",
    "case-reload": "binding.reload",
    "case-verify": "binding.verify",
    "case-return": "binding.return",
    "case-hold": "binding.hold",
    "case-resume": "binding.resume",
    "case-note": "binding.note",
    "case-assign": "binding.assign",
    "case-reply": "binding.reply",
    "case-reporter-reply": "binding.reporter_reply",
    "case-close": "binding.close",
    "case-reopen": "binding.reopen",
    "case-archive": "binding.archive",
    "case-restore": "binding.restore",
    "case-duplicate": "binding.duplicate",
    "case-open-attachment": "binding.open_attachment",
    "case-attach": "binding.attach",
    "case-dismiss": "binding.dismiss_notices",
}
# The drafts a dialog of the case screen starts from (the reply screen loads its own).
DIALOG_DRAFTS = (NOTE, REPORTER_REPLY, REASON)


STATE_STYLES = {
    "here": "$success",
    "uploading": "$text-muted",
    "pending": "$warning",
    "missing": "bold $error",
    "corrupt": "bold $error",
}


def typed_path(text: str) -> Path:
    """A path as typed or pasted (a file manager may add quotes)."""
    return Path(text.strip().strip("'\"")).expanduser()


def one_line(text: object) -> str:
    return printable(str(text or ""), keep_newlines=False)


class CaseScreen(Screen[bool]):
    """A case in full. Dismisses with True when the officer changed it, else False."""

    AUTO_FOCUS = "#detail"
    DEFAULT_CSS = """
    CaseScreen #case-header { height: auto; padding: 0 1; background: $boost; }
    CaseScreen #case-notice {
        height: auto; padding: 0 1; background: $warning 15%; border-left: outer $warning;
    }
    CaseScreen #detail { height: 1fr; padding: 0 1; }
    CaseScreen #case-title { text-style: bold; margin-top: 1; }
    CaseScreen .section-title { text-style: bold; color: $accent; margin-top: 1; }
    CaseScreen #facts-row { height: auto; }
    CaseScreen #facts-box { width: 1fr; height: auto; }
    CaseScreen #reporter-box { width: 1fr; height: auto; }
    CaseScreen.narrow #facts-row { layout: vertical; }
    CaseScreen #duplicates { height: auto; max-height: 7; border: none; padding: 0; }
    CaseScreen #duplicates:focus { background-tint: $foreground 5%; }
    CaseScreen #attachment-list { height: auto; max-height: 7; border: none; padding: 0; }
    CaseScreen #attachment-list:focus { background-tint: $foreground 5%; }
    CaseScreen .muted { color: $text-muted; }
    CaseScreen #timeline { height: auto; }
    CaseScreen .event {
        height: auto; padding: 0 1; margin-bottom: 1; border-left: outer $success;
    }
    CaseScreen .event.internal { border-left: outer $warning; background: $warning 8%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reply", "Balas", id="case-reply"),
        Binding("v", "verify", "Disposisi", id="case-verify"),
        Binding("b", "return_case", "Bukan Wewenang", id="case-return"),
        Binding("t", "hold", "Tunda", id="case-hold"),
        Binding("l", "resume", "Lanjutkan", id="case-resume"),
        Binding("n", "note", "Catatan", id="case-note"),
        Binding("a", "assign", "Tugaskan", id="case-assign"),
        Binding("R", "reporter_reply", "Tanggapan pelapor", id="case-reporter-reply"),
        Binding("x", "close_case", "Tutup", id="case-close"),
        Binding("o", "reopen", "Buka lagi", id="case-reopen"),
        Binding("z", "archive", "Arsipkan", id="case-archive"),
        Binding("u", "restore", "Pulihkan", id="case-restore"),
        Binding("D", "duplicate", "Duplikat", id="case-duplicate"),
        Binding("f", "open_attachment", "Buka lampiran", id="case-open-attachment"),
        Binding("L", "attach_file", "Lampirkan", id="case-attach"),
        Binding("c", "dismiss_notices", "Tutup pemberitahuan", id="case-dismiss"),
        Binding("escape", "back", "Kembali", id="case-back"),
        Binding("ctrl+r", "reload", "Muat ulang", show=False, id="case-reload"),
    ]

    def __init__(self, source: InboxSource, case_id: int) -> None:
        super().__init__()
        localize_bindings(self, BINDING_LABELS)
        self.source = source
        self.case_id = case_id
        self.view: CaseView | None = None
        self.files: list[Entry] = []  # the attachments, with whether each file is here
        self.notices: list[Rejection] = []  # what the central system did not take, unread
        self.drafts: dict[str, str] = {}  # the officer's drafts for the dialogs, by kind
        self.changed = False

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(t("case.loading"), id="case-header", markup=False)
        notice = Static("", id="case-notice", markup=False)
        notice.display = False
        yield notice
        with VerticalScroll(id="detail"):
            yield Static("", id="case-title", markup=False)
            yield Static("", id="case-body", markup=False)
            with Horizontal(id="facts-row"):
                with Vertical(id="facts-box"):
                    yield Static(t("case.section.details"), classes="section-title")
                    yield Static("", id="facts", markup=False)
                with Vertical(id="reporter-box"):
                    yield Static(t("case.section.reporter"), classes="section-title")
                    yield Static("", id="reporter", markup=False)
            yield Static(t("case.section.duplicates"), classes="section-title")
            yield OptionList(id="duplicates", markup=False)
            yield Static(t("case.no_duplicates"), id="no-duplicates", classes="muted")
            yield Static(t("case.section.attachments"), classes="section-title")
            yield OptionList(id="attachment-list", markup=False)
            yield Static("", id="attachments", markup=False)
            yield Static(t("case.section.timeline"), classes="section-title")
            yield Vertical(id="timeline")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def on_resize(self) -> None:
        narrow = self.size.width < 100
        self.set_class(narrow, "narrow")
        self.query_one(KeyFooter).compact = narrow

    # -- loading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="case-view", exit_on_error=False)
    def load(self) -> None:
        """Read the case again and show it."""
        database = self.source.database()
        # Both read through desk/access.py: another unit's case is refused, and says why.
        view = load_case_view(database, self.source.actor, self.case_id, self.source.clock())
        _case, files = attachments_for(database, self.source.actor, self.case_id)
        notices = list_notices(database, self.case_id)
        drafts = {}
        for kind in DIALOG_DRAFTS:
            draft = load_draft(database, self.case_id, self.source.actor.nip, kind=kind)
            if draft is not None:
                drafts[kind] = draft.body
        if not get_current_worker().is_cancelled:  # a newer read is on its way
            self.app.call_from_thread(self._show, view, files, notices, drafts)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if (
            event.state is WorkerState.ERROR
            and event.worker.group == "case-view"
            and self.view is None
            and event.worker.error is not None
        ):
            self.query_one("#case-header", Static).update(describe(event.worker.error))
        notify_failure(self, event)

    def _show(
        self,
        view: CaseView,
        files: list[Entry] | None = None,
        notices: list[Rejection] | None = None,
        drafts: dict[str, str] | None = None,
    ) -> None:
        if not self.is_attached:
            return
        self.view = view
        self.files = files or []
        self.notices = notices or []
        self.drafts = drafts or {}
        case = view.case
        self.query_one("#case-header", Static).update(self._header(view))
        notice = self.query_one("#case-notice", Static)
        notice.update(self._notice(view))
        notice.display = bool(self.notices)
        self.query_one("#case-title", Static).update(printable(case["title"] or ""))
        self.query_one("#case-body", Static).update(printable(case["body"] or "").rstrip())
        self.query_one("#facts", Static).update(self._facts(view))
        self.query_one("#reporter", Static).update(self._reporter(view))
        self._show_duplicates(view)
        self._show_attachments()
        timeline = self.query_one("#timeline", Vertical)
        timeline.remove_children()
        timeline.mount_all(self._event(event) for event in view.events)
        self.refresh_bindings()

    def _show_attachments(self) -> None:
        listing = self.query_one("#attachment-list", OptionList)
        highlighted = listing.highlighted
        listing.set_options(
            Option(
                Content.assemble(
                    one_line(entry.name),
                    (f"  {human_size(entry.size)} · {entry.kind} · ", "$text-muted"),
                    (t(f"att.state.{entry.state}"), STATE_STYLES[entry.state]),
                ),
                id=str(entry.id),
            )
            for entry in self.files
        )
        if self.files:
            listing.highlighted = min(highlighted or 0, len(self.files) - 1)
        listing.display = bool(self.files)
        empty = self.query_one("#attachments", Static)
        empty.update(t("case.no_attachments"))
        empty.display = not self.files

    def _header(self, view: CaseView) -> Content:
        case = view.case
        parts: list[str | Content | tuple[str, str]] = [
            (one_line(view.label), "bold"),
            "  ",
            (status_label(case["status"]), "bold $accent"),
        ]
        if view.anonymous:
            parts += ["  ", (f" {t('case.anonymous')} ", "bold reverse $warning")]
        if view.confidential:
            parts += ["  ", (f" {t('case.confidential')} ", "bold reverse $error")]
        for clock in view.clocks:
            days = clock.days_left
            style = (
                "bold $error"
                if days is not None and days < 0
                else "bold $warning"
                if days is not None and days <= 1
                else ""
            )
            parts += ["\n", f"{clock.label}: {clock.deadline} · ", (clock.remaining, style)]
        if not view.clocks:
            parts += ["\n", (t("case.no_clock"), "$text-muted")]
        if not view.allowed:
            parts += ["\n", (t("case.no_actions"), "$text-muted")]
        return Content.assemble(*parts)

    def _notice(self, view: CaseView) -> Content:
        """Which actions the central system did not take, why, and where the text is now."""
        if not self.notices:
            return Content("")
        parts: list[str | Content | tuple[str, str]] = [(t("sync.notice.title"), "bold")]
        for notice in self.notices:
            line = t(
                "sync.notice.line",
                action=op_label(notice.kind),
                at=format_moment(notice.created_at, view.unit_tz),
                nip=notice.actor_nip or "-",
                result=t(f"sync.result.{notice.result}"),
                reason=notice.reason,
            )
            parts += ["\n", "• ", one_line(line)]
            notes = []
            if notice.result != "conflict":
                notes.append(t("sync.refused_undone") if notice.undone else t("sync.refused_local"))
            if notice.draft and notice.actor_nip not in (None, self.source.actor.nip):
                # The text is the draft of the officer who typed it, not of whoever reads this.
                notes.append(
                    t(
                        "sync.refused_draft_of",
                        draft=draft_label(notice.draft),
                        nip=notice.actor_nip,
                    )
                )
            elif notice.draft:
                notes.append(t("sync.refused_draft", draft=draft_label(notice.draft)))
                how = draft_how(notice.draft)
                if how:
                    notes.append(how)
            if notes:
                parts += ["\n  ", ("; ".join(notes), "$text-muted")]
        parts += ["\n", (t("sync.notice.dismiss"), "$text-muted")]
        return Content.assemble(*parts)

    @staticmethod
    def _lines(rows: list[tuple[str, object]]) -> Content:
        parts: list[str | Content | tuple[str, str]] = []
        for label, value in rows:
            if value in (None, ""):
                continue
            if parts:
                parts.append("\n")
            parts += [(f"{label}: ", "$text-muted"), one_line(value)]
        return Content.assemble(*parts)

    def _facts(self, view: CaseView) -> Content:
        case = view.case
        unit = None
        if case["unit_code"]:
            unit = (
                f"{case['unit_code']} — {view.unit_name}" if view.unit_name else case["unit_code"]
            )
        return self._lines(
            [
                (t("case.field.classification"), classification_label(case["classification"])),
                (t("case.field.category"), case["category"]),
                (t("case.field.subcategory"), case["subcategory"]),
                (t("case.field.channel"), case["channel"]),
                (t("case.field.location"), case["location"]),
                (t("case.field.incident"), view.incident_date),
                (t("case.field.received"), view.received),
                (t("case.field.unit"), unit),
                (t("case.field.assignee"), view.assignee_name),
                (t("case.field.duplicate_of"), view.duplicate_of),
            ]
        )

    def _reporter(self, view: CaseView) -> Content:
        reporter = view.reporter
        return self._lines(
            [
                (t("case.field.name"), reporter.name),
                (t("case.field.nik"), reporter.nik),
                (t("case.field.phone"), reporter.phone),
                (t("case.field.email"), reporter.email),
                (t("case.field.address"), reporter.address),
            ]
        )

    def _show_duplicates(self, view: CaseView) -> None:
        duplicates = self.query_one("#duplicates", OptionList)
        highlighted = duplicates.highlighted
        duplicates.set_options(
            Option(
                Content.assemble(
                    (f"{one_line(dup.label):<10}", "bold"),
                    f"{status_label(dup.status):<20} ",
                    one_line(dup.title),
                    (f"  ({t('case.dup.' + dup.reason)})", "$text-muted"),
                ),
                id=str(dup.case_id),
            )
            for dup in view.duplicates
        )
        if view.duplicates:
            duplicates.highlighted = min(highlighted or 0, len(view.duplicates) - 1)
        duplicates.display = bool(view.duplicates)
        self.query_one("#no-duplicates").display = not view.duplicates

    @staticmethod
    def _event(event: EventView) -> Static:
        tag = t("case.public") if event.public else t("case.internal")
        parts: list[str | Content | tuple[str, str]] = [
            (event.at, "$text-muted"),
            "  ",
            (one_line(event.actor), "bold"),
            " · ",
            one_line(event.label),
        ]
        if event.change:
            parts += [" ", one_line(event.change)]
        parts += ["  ", (f"[{tag}]", "bold $success" if event.public else "bold $warning")]
        if event.body:
            parts += ["\n", printable(event.body)]
        classes = "event public" if event.public else "event internal"
        return Static(Content.assemble(*parts), classes=classes, markup=False)

    # -- which keys are offered --------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_attachment":
            return bool(self.files)
        if action == "dismiss_notices":
            return bool(self.notices)
        needed = KEY_ACTIONS.get(action)
        if needed is None:
            return True
        if self.view is None or not needed & set(self.view.allowed):
            return False
        if action == "duplicate":
            return bool(self.view.duplicates)
        return True

    # -- attachments -------------------------------------------------------------------------

    def _chosen_file(self) -> Entry | None:
        if not self.files:
            return None
        index = self.query_one("#attachment-list", OptionList).highlighted or 0
        return self.files[min(index, len(self.files) - 1)]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "attachment-list":  # Enter on a file opens it, like `f`
            event.stop()
            self.action_open_attachment()

    def action_open_attachment(self) -> None:
        entry = self._chosen_file()
        if entry is None:
            self.notify(t("att.open_none"), severity="warning", markup=False)
            return
        self._open_file(entry)

    @work(thread=True, group="attachment-open", exit_on_error=False)
    def _open_file(self, entry: Entry) -> None:
        """Check the file's hash, then hand it to the system's viewer (off the UI thread).

        Through the same service as `desk case open-attachment`: the read rule, then the
        `attachment_read` audit entry, before the file is handed over."""
        try:
            entry, path = read_attachment(
                self.source.database(),
                self.source.actor,
                self.case_id,
                entry.sha256,
                shown="viewer",
                now=self.source.clock(),
            )
        except AttachmentProblem as problem:
            self.app.call_from_thread(
                self.notify, str(problem), severity="error", markup=False, timeout=10
            )
            return
        if open_with_viewer(path):
            message = t("att.opening", name=one_line(entry.name))
            self.app.call_from_thread(self.notify, message, markup=False)
        else:
            message = t("att.no_viewer", path=one_line(path))
            self.app.call_from_thread(
                self.notify, message, severity="warning", markup=False, timeout=15
            )

    def action_attach_file(self) -> None:
        self.app.push_screen(
            ReasonDialog(t("att.add_title"), t("att.add_prompt"), run=self._attach_now),
            self._attached,
        )

    def _attach_now(self, text: str) -> object:
        """Attach the file at the typed path (run in the dialog's worker thread)."""
        return attach(
            self.source.database(),
            self.source.actor,
            self.case_id,
            typed_path(text),
            self.source.clock(),
        )

    def _attached(self, result: object) -> None:
        if not isinstance(result, str):
            return
        name = one_line(typed_path(result).name)
        self._acted(t("case.attached", name=name, ref=self._label()))

    # -- acting ------------------------------------------------------------------------------

    def perform_now(self, action: Action, **values: Any) -> Outcome:
        """Take `action` on the case as shown (run in a worker thread, never on the UI's)."""
        view = self.view
        assert view is not None
        try:
            return perform(
                self.source.database(),
                self.source.actor,
                action,
                view.case["id"],
                expected_version=view.version,
                now=self.source.clock(),
                **values,
            )
        except StaleCase:
            # Show what changed; a retry from the still-open dialog then acts on what is shown.
            self.app.call_from_thread(self.load)
            raise

    def _after(self, action: Action) -> Callable[[object], None]:
        """The callback of a dialog that took `action` when it closes."""

        def done(result: object) -> None:
            if result is None or result is False:
                return
            self._acted(t("case.done", ref=self._label(), action=action_label(action.value)))

        return done

    def _acted(self, message: str) -> None:
        self.changed = True
        self.notify(message, markup=False)
        self.load()

    def _label(self) -> str:
        return one_line(self.view.label) if self.view else ""

    def _ask_reason(
        self,
        action: Action,
        title: str,
        prompt: str,
        *,
        multiline: bool = False,
        field: str,
        draft: str = REASON,
    ) -> None:
        """A dialog for the action's text, starting from the officer's draft of that kind (a
        text the central system did not take); the draft is discarded once the action is taken."""
        initial = self.drafts.get(draft, "")

        def run(text: str) -> Outcome:
            outcome = self.perform_now(action, **{field: text})
            if initial:
                discard_draft(
                    self.source.database(), self.case_id, self.source.actor.nip, kind=draft
                )
            return outcome

        self.app.push_screen(
            ReasonDialog(title, prompt, multiline=multiline, initial=initial, run=run),
            self._after(action),
        )

    def action_dismiss_notices(self) -> None:
        self._dismiss_notices()

    @work(thread=True, group="case-notices", exit_on_error=False)
    def _dismiss_notices(self) -> None:
        dismiss_notices(self.source.database(), self.case_id)
        self.app.call_from_thread(self._acted_quietly)

    def _acted_quietly(self) -> None:
        self.changed = True  # the inbox's count of notices changes
        self.load()

    def _confirm(self, action: Action, message: str, **values: Any) -> None:
        self.app.push_screen(
            ConfirmDialog(message, run=lambda _yes: self.perform_now(action, **values)),
            self._after(action),
        )

    def action_back(self) -> None:
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        self.load()

    def action_verify(self) -> None:
        view = self.view
        if view is None:
            return
        action = Action.VERIFY if Action.VERIFY in view.allowed else Action.DISPOSE
        current = view.case["unit_code"]
        units = [u for u in view.units if action is Action.VERIFY or u[0] != current]
        if not units:
            self.notify(t("case.no_units"), severity="warning", markup=False)
            return
        key = "case.verify.title" if action is Action.VERIFY else "case.dispose.title"
        self.app.push_screen(
            UnitPicker(
                units,
                title=t(key, ref=self._label()),
                run=lambda code: self.perform_now(action, unit_code=code),
            ),
            self._after(action),
        )

    def action_return_case(self) -> None:
        label = self._label()
        self._ask_reason(
            Action.RETURN,
            t("case.return.title", ref=label),
            t("case.return.prompt"),
            field="reason",
        )

    def action_hold(self) -> None:
        label = self._label()
        self._ask_reason(
            Action.HOLD, t("case.hold.title", ref=label), t("case.hold.prompt"), field="reason"
        )

    def action_reopen(self) -> None:
        label = self._label()
        self._ask_reason(
            Action.REOPEN,
            t("case.reopen.title", ref=label),
            t("case.reopen.prompt"),
            field="reason",
        )

    def action_archive(self) -> None:
        label = self._label()
        self._ask_reason(
            Action.ARCHIVE,
            t("case.archive.title", ref=label),
            t("case.archive.prompt"),
            field="reason",
        )

    def action_note(self) -> None:
        label = self._label()
        self._ask_reason(
            Action.NOTE,
            t("case.note.title", ref=label),
            t("case.note.prompt"),
            multiline=True,
            field="text",
            draft=NOTE,
        )

    def action_reporter_reply(self) -> None:
        label = self._label()
        self._ask_reason(
            Action.REPORTER_REPLY,
            t("case.reporter_reply.title", ref=label),
            t("case.reporter_reply.prompt"),
            multiline=True,
            field="text",
            draft=REPORTER_REPLY,
        )

    def action_assign(self) -> None:
        view = self.view
        if view is None:
            return
        unit = view.case["unit_code"] or ""
        if not view.assignees:
            self.notify(t("case.no_assignees", unit=unit), severity="warning", markup=False)
            return
        self.app.push_screen(
            AssigneePicker(
                view.assignees,
                title=t("case.assign.title", ref=self._label(), unit=unit),
                run=lambda nip: self.perform_now(Action.ASSIGN, officer_nip=nip),
            ),
            self._after(Action.ASSIGN),
        )

    def action_close_case(self) -> None:
        self._confirm(Action.CLOSE, t("case.close.confirm", ref=self._label()))

    def action_resume(self) -> None:
        self._confirm(Action.RESUME, t("case.resume.confirm", ref=self._label()))

    def action_restore(self) -> None:
        self._confirm(Action.RESTORE, t("case.restore.confirm", ref=self._label()))

    def action_duplicate(self) -> None:
        view = self.view
        if view is None or not view.duplicates:
            return
        index = self.query_one("#duplicates", OptionList).highlighted or 0
        original = view.duplicates[min(index, len(view.duplicates) - 1)]
        self._confirm(
            Action.ARCHIVE,
            t("case.duplicate.confirm", ref=self._label(), other=one_line(original.label)),
            # Stored and sent to the central system as written: always in Indonesian.
            reason=f"Duplikat dari {original.label}",
            duplicate_of=original.case_id,
        )

    def action_reply(self) -> None:
        from screens.reply import ReplyScreen

        composer = ReplyScreen(self.source, self.case_id)

        def replied(sent: bool | None) -> None:
            if sent:
                # Sent, queued for the next sync, or kept on a local-only desk: said as it is.
                self._acted(composer.delivery_message(self._label()))
            else:
                self.load()  # the case may have moved on meanwhile; show it as it is

        self.app.push_screen(composer, replied)
