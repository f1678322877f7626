"""Recording a complaint that came to the office: a form, duplicate hints, a receipt.

Every field is checked by desk.intake when the officer saves (ctrl+s); each message appears under
its field and everything typed stays. Possible duplicates (similar text, same NIK or phone) are
looked up in a worker half a second after the officer stops typing. Once saved, the provisional
number is shown with the receipt to view or write to files beside the database.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static, TextArea
from textual.worker import Worker, get_current_worker

from desk.errors import DeskError, describe
from desk.i18n import CATALOG, classification_label, extend, status_label, t
from desk.inbox import InboxSource
from desk.intake import (
    CHANNELS,
    FIELDS,
    DuplicateHint,
    IntakeDraft,
    IntakeInvalid,
    Recorded,
    category_choices,
    discard_form_draft,
    duplicate_hints,
    field_label,
    load_form_draft,
    office_today,
    record_intake,
    save_form_draft,
    validate,
)
from desk.receipt import receipt_for, receipt_pdf
from desk.safety import printable
from desk.workflow import Actor
from widgets.bindings import localize_bindings
from widgets.dialogs import ConfirmDialog, FilterPicker
from widgets.key_footer import KeyFooter
from widgets.worker_errors import notify_failure

__all__ = ["IntakeDoneDialog", "IntakeScreen", "ReceiptDialog"]

TEXTS: dict[str, tuple[str, str]] = {
    "intake.tui.title": ("Laporan baru", "New complaint"),
    "intake.tui.by": ("dicatat oleh {name} ({unit})", "recorded by {name} ({unit})"),
    "intake.tui.reporter": ("Pelapor", "Reporter"),
    "intake.tui.complaint": ("Laporan", "Complaint"),
    "intake.tui.category_hint": (
        "ketik atau tekan ctrl+o untuk memilih dari daftar LAPOR!",
        "type, or press ctrl+o to choose from the LAPOR! list",
    ),
    "intake.tui.date_hint": ("HH/BB/TTTT, misalnya 28/11/2026", "DD/MM/YYYY, e.g. 28/11/2026"),
    "intake.tui.phone_hint": ("08…, +628…, atau 0541…", "08…, +628…, or 0541…"),
    "intake.tui.duplicates": ("Mungkin laporan yang sama", "Possibly the same complaint"),
    "intake.tui.no_duplicates": ("Belum ada yang mirip.", "Nothing similar yet."),
    "intake.tui.hint": (
        "ctrl+s simpan · ctrl+o pilih kategori · Tab pindah isian · Esc kembali",
        "ctrl+s save · ctrl+o choose category · Tab next field · Esc back",
    ),
    "intake.tui.saving": ("Menyimpan…", "Saving…"),
    "intake.tui.restored": (
        "Isian yang belum disimpan dipulihkan.",
        "The unsaved complaint you were typing is back.",
    ),
    "intake.tui.invalid": (
        "{count} isian perlu diperbaiki: lihat pesan merah di bawah isian.",
        "{count} fields need correcting: see the red messages under them.",
    ),
    "intake.tui.invalid.one": (
        "{count} isian perlu diperbaiki: lihat pesan merah di bawah isian.",
        "{count} field needs correcting: see the red message under it.",
    ),
    "intake.tui.discard": (
        "Buang laporan yang sedang diisi? Isian belum disimpan.",
        "Discard this complaint? It has not been saved.",
    ),
    "intake.tui.pick_category": ("Pilih kategori LAPOR!", "Choose the LAPOR! category"),
    "intake.tui.done_title": ("Laporan dicatat", "Complaint recorded"),
    "intake.tui.done_number": ("Nomor sementara: {number}", "Provisional number: {number}"),
    "intake.tui.done_note": (
        "Nomor pelacakan LAPOR! menyusul setelah sinkronisasi; nomor sementara tetap dapat dicari.",
        "The LAPOR! tracking number comes with the next sync; the provisional number stays "
        "searchable.",
    ),
    "intake.tui.done_hint": (
        "v lihat tanda terima · s simpan tanda terima (.txt dan .pdf) · Enter selesai",
        "v view the receipt · s save the receipt (.txt and .pdf) · Enter done",
    ),
    "intake.tui.saved_receipt": ("Tanda terima disimpan: {paths}", "Receipt saved: {paths}"),
    "intake.tui.receipt_title": ("Tanda terima {number}", "Receipt {number}"),
    "intake.tui.receipt_hint": ("Esc tutup · s simpan ke file", "Esc close · s save to files"),
    "binding.intake_save": ("Simpan", "Save"),
    "binding.intake_category": ("Kategori", "Category"),
    "binding.intake_view": ("Lihat tanda terima", "View receipt"),
    "binding.intake_receipt": ("Simpan tanda terima", "Save receipt"),
    "binding.done": ("Selesai", "Done"),
}
if "intake.tui.title" not in CATALOG:
    extend(TEXTS)

BINDING_LABELS = {
    "intake-save": "binding.intake_save",
    "intake-category": "binding.intake_category",
    "intake-back": "binding.back",
    "done-view": "binding.intake_view",
    "done-save": "binding.intake_receipt",
    "done-close": "binding.done",
    "receipt-save": "binding.intake_receipt",
    "receipt-close": "binding.back",
}
RECEIPT_FOLDER = "tanda-terima"  # beside the database


def save_receipt_files(db_path: Path, database: Any, actor: Actor, number: str) -> list[Path]:
    """Write the receipt as text and PDF into `tanda-terima/` beside the database."""
    text = receipt_for(database, actor, number)  # refused before any folder is made
    folder = db_path.parent / RECEIPT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in number)
    paths = [folder / f"{name}.txt", folder / f"{name}.pdf"]
    paths[0].write_text(text, encoding="utf-8")
    paths[1].write_bytes(receipt_pdf(text))
    return paths


class ReceiptDialog(ModalScreen[None]):
    """The receipt as it will print, scrollable; `s` writes it to files."""

    DEFAULT_CSS = """
    ReceiptDialog { align: center middle; background: $background 60%; }
    ReceiptDialog > #receipt-box {
        width: 82; max-width: 100%; height: 90%; border: round $accent; background: $surface;
    }
    ReceiptDialog.narrow > #receipt-box { border: none; height: 100%; }
    ReceiptDialog #receipt-text { width: 78; }
    ReceiptDialog #receipt-hint { color: $text-muted; height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Kembali", id="receipt-close"),
        Binding("s", "save", "Simpan tanda terima", id="receipt-save"),
    ]

    def __init__(self, source: InboxSource, db_path: Path, number: str, text: str) -> None:
        super().__init__()
        localize_bindings(self, BINDING_LABELS)
        self.source, self.db_path, self.number, self.text = source, db_path, number, text

    def compose(self) -> ComposeResult:
        with Vertical(id="receipt-box"):
            with VerticalScroll(id="receipt-scroll"):
                yield Static(self.text, id="receipt-text", markup=False)
            yield Static(t("intake.tui.receipt_hint"), id="receipt-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#receipt-scroll").focus()

    def on_resize(self) -> None:
        # The receipt is 78 columns wide, as printed: at 80 columns the frame would wrap it.
        self.set_class(self.size.width < 84, "narrow")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        _save_receipt(self, self.source, self.db_path, self.number)


def _save_receipt(
    node: Widget | Screen[Any], source: InboxSource, db_path: Path, number: str
) -> None:
    """Write the receipt files in a thread and say where they went."""

    def run() -> None:
        try:
            paths = save_receipt_files(db_path, source.database(), source.actor, number)
        except (OSError, DeskError) as error:
            node.app.call_from_thread(
                node.app.notify, describe(error), severity="error", markup=False, timeout=10
            )
            return
        shown = ", ".join(printable(str(path), keep_newlines=False) for path in paths)
        node.app.call_from_thread(
            node.app.notify, t("intake.tui.saved_receipt", paths=shown), markup=False, timeout=10
        )

    node.app.run_worker(run, thread=True, group="receipt-save", exit_on_error=False)


class IntakeDoneDialog(ModalScreen[None]):
    """The case is recorded: its provisional number, and the receipt to view or save."""

    DEFAULT_CSS = """
    IntakeDoneDialog { align: center middle; background: $background 60%; }
    IntakeDoneDialog > #done-box {
        width: 76; max-width: 100%; height: auto; border: round $success; background: $surface;
        padding: 0 1;
    }
    IntakeDoneDialog #done-title { text-style: bold; }
    IntakeDoneDialog #done-number { text-style: bold; color: $success; margin: 1 0; }
    IntakeDoneDialog #done-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "view", "Lihat tanda terima", id="done-view"),
        Binding("s", "save", "Simpan tanda terima", id="done-save"),
        Binding("enter,escape", "close", "Selesai", id="done-close"),
    ]

    def __init__(self, source: InboxSource, db_path: Path, recorded: Recorded) -> None:
        super().__init__()
        localize_bindings(self, BINDING_LABELS)
        self.source, self.db_path, self.recorded = source, db_path, recorded

    def compose(self) -> ComposeResult:
        number = self.recorded.provisional_no
        with Vertical(id="done-box"):
            yield Static(t("intake.tui.done_title"), id="done-title", markup=False)
            yield Static(t("intake.tui.done_number", number=number), id="done-number", markup=False)
            yield Static(t("intake.tui.done_note"), id="done-note", markup=False)
            yield Static(t("intake.tui.done_hint"), id="done-hint", markup=False)

    def action_view(self) -> None:
        self._load_receipt()

    @work(thread=True, exclusive=True, group="receipt-load", exit_on_error=False)
    def _load_receipt(self) -> None:
        text = receipt_for(self.source.database(), self.source.actor, self.recorded.provisional_no)
        self.app.call_from_thread(
            self.app.push_screen,
            ReceiptDialog(self.source, self.db_path, self.recorded.provisional_no, text),
        )

    def action_save(self) -> None:
        _save_receipt(self, self.source, self.db_path, self.recorded.provisional_no)

    def action_close(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)


class IntakeScreen(Screen[int | None]):
    """The intake form. Dismisses with the new case's row id, or None when left unsaved."""

    DEBOUNCE = 0.5  # seconds after the last keystroke before duplicates are looked up
    DRAFT_DEBOUNCE = 1.0  # and before what was typed is kept
    AUTO_FOCUS = None  # the title gets it in on_mount, the form shown from its top
    DEFAULT_CSS = """
    IntakeScreen .field { height: auto; }
    IntakeScreen #intake-header { height: auto; padding: 0 1; background: $boost; }
    IntakeScreen #intake-body { height: 1fr; }
    IntakeScreen #intake-form { width: 1fr; padding: 0 1; }
    IntakeScreen #intake-side { width: 40; border-left: solid $panel; padding: 0 1; }
    IntakeScreen.narrow #intake-body { layout: vertical; }
    IntakeScreen.narrow #intake-side {
        width: 1fr; height: 5; border-left: none; border-top: solid $panel;
    }
    IntakeScreen .section { text-style: bold; color: $accent; margin-top: 1; }
    IntakeScreen .label { color: $text-muted; margin-top: 1; }
    IntakeScreen .explain { color: $text-muted; padding-left: 4; }
    IntakeScreen .field-error { color: $error; text-style: bold; display: none; }
    IntakeScreen .field-error.visible { display: block; }
    IntakeScreen Input, IntakeScreen Select { width: 1fr; }
    IntakeScreen #f-text { height: 6; }
    IntakeScreen.narrow #f-text { height: 4; }
    IntakeScreen.narrow .label { margin-top: 0; }
    IntakeScreen.narrow #intake-form Input, IntakeScreen.narrow #intake-form TextArea {
        background: $boost;
    }
    IntakeScreen.narrow #intake-form Input:focus,
    IntakeScreen.narrow #intake-form TextArea:focus { background: $accent 25%; }
    IntakeScreen.narrow .section { margin-top: 0; }
    IntakeScreen #dups-title { text-style: bold; color: $warning; }
    IntakeScreen #intake-status {
        height: 1; padding: 0 1; background: $panel; color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Simpan", id="intake-save"),
        Binding("ctrl+o,f2", "pick_category", "Kategori", id="intake-category"),
        Binding("escape", "back", "Kembali", id="intake-back"),
    ]

    def __init__(self, source: InboxSource, db_path: Path | None = None) -> None:
        super().__init__()
        localize_bindings(self, BINDING_LABELS)
        self.source = source
        self.db_path = db_path or Path("desk.db")
        self.busy = False
        self.saved = False
        self._timer: Timer | None = None
        self._draft_timer: Timer | None = None
        self._draft_ready = False
        self._lock = threading.Lock()  # one draft write or the save at a time
        self.hints: list[DuplicateHint] = []
        self.errors: dict[str, str] = {}  # the messages shown under their fields now
        self._today: date | None = None  # the office's day, for checking a corrected value

    # -- the form ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        actor = self.source.actor
        yield Static(
            Content.assemble(
                (t("intake.tui.title"), "bold"),
                " · ",
                (
                    t("intake.tui.by", name=actor.name, unit=actor.unit_code),
                    "$text-muted",
                ),
            ),
            id="intake-header",
        )
        with Horizontal(id="intake-body"):
            with VerticalScroll(id="intake-form"):
                yield Static(t("intake.tui.complaint"), classes="section", markup=False)
                yield from self._field("title", Input(id="f-title", max_length=200))
                yield from self._field(
                    "text", TextArea(id="f-text", soft_wrap=True, tab_behavior="focus")
                )
                yield from self._field(
                    "classification",
                    Select(
                        [
                            (classification_label(code), code)
                            for code in ("pengaduan", "aspirasi", "permintaan_informasi")
                        ],
                        value="pengaduan",
                        allow_blank=False,
                        id="f-classification",
                    ),
                )
                yield from self._field(
                    "category",
                    Input(id="f-category", placeholder=t("intake.tui.category_hint")),
                )
                yield from self._field(
                    "channel",
                    Select(
                        [(t(f"intake.channel.{code}"), code) for code in CHANNELS],
                        value="loket",
                        allow_blank=False,
                        id="f-channel",
                    ),
                )
                yield from self._field("place", Input(id="f-place"))
                yield from self._field(
                    "incident_date",
                    Input(id="f-incident_date", placeholder=t("intake.tui.date_hint")),
                )
                yield Static(t("intake.tui.reporter"), classes="section", markup=False)
                yield Checkbox("Anonim", id="f-anonymous")
                yield Static(t("intake.anonymous"), classes="explain", markup=False)
                yield Checkbox("Rahasia", id="f-confidential")
                yield Static(t("intake.confidential"), classes="explain", markup=False)
                yield from self._field("name", Input(id="f-name", max_length=120))
                yield from self._field("nik", Input(id="f-nik", max_length=24))
                yield from self._field(
                    "phone", Input(id="f-phone", placeholder=t("intake.tui.phone_hint"))
                )
                yield from self._field("email", Input(id="f-email"))
                yield from self._field("address", Input(id="f-address"))
            with VerticalScroll(id="intake-side"):
                yield Static(t("intake.tui.duplicates"), id="dups-title", markup=False)
                yield Static(t("intake.tui.no_duplicates"), id="dups", markup=False)
        yield Static(t("intake.tui.hint"), id="intake-status", markup=False)
        yield KeyFooter()

    def _field(self, name: str, widget: Widget) -> ComposeResult:
        # Label, field and message together: the focus brings all three into view.
        with Vertical(classes="field", id=f"field-{name}"):
            yield Static(field_label(name), classes="label", markup=False)
            yield widget
            yield Static("", id=f"err-{name}", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#f-title").focus(scroll_visible=False)
        self.restore()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A field that gets the focus is shown with its label above and its message below."""
        widget: Widget | None = event.widget
        while widget is not None and not widget.has_class("field"):
            parent = widget.parent
            widget = parent if isinstance(parent, Widget) and parent is not self else None
        if widget is None:
            return
        form = self.query_one("#intake-form", VerticalScroll)
        if widget.id == "field-title":
            form.scroll_home(animate=False)  # the first field: the form from its top
        else:
            self.call_after_refresh(widget.scroll_visible, animate=False)

    def on_resize(self) -> None:
        narrow = self.size.width < 100
        self.set_class(narrow, "narrow")
        self.query_one(KeyFooter).compact = narrow
        # At 80×24 a bordered field costs three lines: one line each keeps the form readable.
        for widget in self.query(
            "#intake-form Input, #intake-form Select, #intake-form TextArea, #intake-form Checkbox"
        ):
            widget.compact = narrow  # type: ignore[attr-defined]

    def draft(self) -> IntakeDraft:
        """What the form holds now (read on the UI thread)."""

        def value(name: str) -> str:
            return self.query_one(f"#f-{name}", Input).value

        classification = self.query_one("#f-classification", Select).value
        channel = self.query_one("#f-channel", Select).value
        return IntakeDraft(
            title=value("title"),
            text=self.query_one("#f-text", TextArea).text,
            classification=str(classification) if classification != Select.NULL else "",
            category=value("category"),
            channel=str(channel) if channel != Select.NULL else "",
            place=value("place"),
            incident_date=value("incident_date"),
            name=value("name"),
            nik=value("nik"),
            phone=value("phone"),
            email=value("email"),
            address=value("address"),
            anonymous=self.query_one("#f-anonymous", Checkbox).value,
            confidential=self.query_one("#f-confidential", Checkbox).value,
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field (a sub-category's under the category); others cleared."""
        shown = {("category" if name == "subcategory" else name): m for name, m in errors.items()}
        self.errors = shown
        for name in FIELDS:
            if name == "subcategory":
                continue
            error = self.query_one(f"#err-{name}", Static)
            error.update(shown.get(name, ""))
            error.set_class(name in shown, "visible")

    # -- duplicates, while typing ----------------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _typed(
        self, event: Input.Changed | TextArea.Changed | Checkbox.Changed | Select.Changed
    ) -> None:
        widget_id = event.control.id or ""
        if not widget_id.startswith("f-") or self.saved:
            return
        if self.errors:
            self._recheck()
        if self._draft_ready:  # not before the kept draft is back: it would be overwritten
            if self._draft_timer is not None:
                self._draft_timer.stop()
            self._draft_timer = self.set_timer(self.DRAFT_DEBOUNCE, self._keep_draft)
        if widget_id not in ("f-title", "f-text", "f-nik", "f-phone"):
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self._look_up)

    def _recheck(self) -> None:
        """Messages shown follow the values: one whose value is now right disappears, one
        still wrong says what is wrong now. Fields not yet flagged wait for ctrl+s."""
        if self._today is None:
            return
        try:
            validate(self.draft(), today=self._today)
            now: dict[str, str] = {}
        except IntakeInvalid as invalid:
            now = invalid.errors
        now = {("category" if name == "subcategory" else name): m for name, m in now.items()}
        still = {name: now[name] for name in self.errors if name in now}
        if still != self.errors:
            self.show_errors(still)

    # -- the unsaved draft -------------------------------------------------------------------------

    def _keep_draft(self) -> None:
        self._draft_timer = None
        self.write_draft(self.draft())

    @work(thread=True, exclusive=True, group="intake-draft", exit_on_error=False)
    def write_draft(self, draft: IntakeDraft) -> None:
        """Keep (or, when the form is empty, forget) what was typed; never after the save."""
        with self._lock:
            if self.saved:
                return
            database, nip = self.source.database(), self.source.actor.nip
            if _typed_anything(draft):
                save_form_draft(database, nip, draft)
            else:
                discard_form_draft(database, nip)

    @work(thread=True, exclusive=True, group="intake-restore", exit_on_error=False)
    def restore(self) -> None:
        database = self.source.database()
        draft = load_form_draft(database, self.source.actor.nip)
        today = office_today(database, self.source.clock())
        self.app.call_from_thread(self._restored, draft, today)

    def _restored(self, draft: IntakeDraft | None, today: date | None = None) -> None:
        self._today = today
        self._draft_ready = True
        if draft is None or not self.is_attached or _typed_anything(self.draft()):
            return  # nothing kept, or the officer started typing already: theirs wins
        for name in FIELDS:
            found = self.query(f"#f-{name}")
            widget = found.first() if found else None
            value = getattr(draft, name)
            # The cursor at the end, nothing selected: what is typed next adds to the text.
            if isinstance(widget, Input):
                widget.value = value
                widget.cursor_position = len(value)
            elif isinstance(widget, TextArea):
                widget.load_text(value)
                widget.move_cursor(widget.document.end)
            elif isinstance(widget, Select) and value:
                widget.value = value
        self.query_one("#f-anonymous", Checkbox).value = draft.anonymous
        self.query_one("#f-confidential", Checkbox).value = draft.confidential
        self.notify(t("intake.tui.restored"), markup=False)

    def _look_up(self) -> None:
        self._timer = None
        self.find_duplicates(self.draft())

    @work(thread=True, exclusive=True, group="intake-dups", exit_on_error=False)
    def find_duplicates(self, draft: IntakeDraft) -> None:
        hints = duplicate_hints(self.source.database(), self.source.actor, draft)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_hints, hints)

    def _show_hints(self, hints: list[DuplicateHint]) -> None:
        if not self.is_attached:
            return
        self.hints = hints
        widget = self.query_one("#dups", Static)
        if not hints:
            widget.update(t("intake.tui.no_duplicates"))
            return
        parts: list[str | tuple[str, str]] = []
        for hint in hints:
            if parts:
                parts.append("\n")
            parts.append((printable(hint.label, keep_newlines=False), "bold"))
            parts.append(f" · {status_label(hint.status)} · ")
            parts.append((hint.reason_text(), "$warning"))
            parts.append("\n" + printable(hint.title, keep_newlines=False))
        widget.update(Content.assemble(*parts))

    # -- category --------------------------------------------------------------------------------

    @on(Input.Submitted, "#f-category")
    def _category_entered(self) -> None:
        self.action_pick_category()

    def action_pick_category(self) -> None:
        def chosen(value: str | None) -> None:
            if value:
                field = self.query_one("#f-category", Input)
                field.value = value
                field.focus()

        self.app.push_screen(
            FilterPicker(t("intake.tui.pick_category"), category_choices()), chosen
        )

    # -- saving ----------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.busy or self.saved:
            return
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self.busy = True
        self.query_one("#intake-status", Static).update(t("intake.tui.saving"))
        self._record(self.draft())

    @work(thread=True, exclusive=True, group="intake-save", exit_on_error=False)
    def _record(self, draft: IntakeDraft) -> None:
        try:
            with self._lock:  # a draft being kept finishes first; none is kept after
                recorded = record_intake(
                    self.source.database(), self.source.actor, draft, self.source.clock()
                )
                self.saved = True
        except IntakeInvalid as error:
            self.app.call_from_thread(self._invalid, error.errors)
        except Exception as error:  # every failure is the officer's to see; the form stays
            self.app.call_from_thread(self._failed, describe(error))
        else:
            self.app.call_from_thread(self._recorded, recorded)

    def _invalid(self, errors: dict[str, str]) -> None:
        self.busy = False
        self.query_one("#intake-status", Static).update(t("intake.tui.hint"))
        self.show_errors(errors)
        first = next(iter(errors))
        target = "category" if first == "subcategory" else first
        self.query_one(f"#f-{target}").focus()
        self.query_one(f"#err-{target}").scroll_visible()
        self.notify(
            t("intake.tui.invalid", count=len(errors)), severity="error", markup=False, timeout=8
        )

    def _failed(self, message: str) -> None:
        self.busy = False
        self.query_one("#intake-status", Static).update(t("intake.tui.hint"))
        self.notify(message, severity="error", markup=False, timeout=10)

    def _recorded(self, recorded: Recorded) -> None:
        self.busy = False
        self.saved = True
        self.show_errors({})

        def closed(_: None) -> None:
            self.dismiss(int(recorded.case["id"]))

        self.app.push_screen(IntakeDoneDialog(self.source, self.db_path, recorded), closed)

    # -- leaving ---------------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.busy:
            return
        if not _typed_anything(self.draft()):
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.saved = True  # no draft is kept after this
                if self._draft_timer is not None:
                    self._draft_timer.stop()
                self._forget_draft()
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog(t("intake.tui.discard")), answered)

    def _forget_draft(self) -> None:
        """Forget the kept draft, in a worker of the app: the screen is closing meanwhile."""
        source, lock = self.source, self._lock

        def forget() -> None:
            with lock:
                discard_form_draft(source.database(), source.actor.nip)

        self.app.run_worker(forget, thread=True, group="intake-forget", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)


def _typed_anything(draft: IntakeDraft) -> bool:
    """Whether the officer typed anything (the choices filled in beforehand do not count)."""
    return any(
        getattr(draft, name)
        for name in FIELDS
        if name not in ("classification", "channel", "subcategory")
    )
