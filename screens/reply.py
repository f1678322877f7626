"""Writing the follow-up (tindak lanjut): a composer with templates, saved drafts and a review.

The draft is saved a second after the officer stops typing (in a worker, never on the UI
thread) and once more when the screen closes, so quitting, or the desk crashing, loses at most
the last second or two. Sending always goes through a review that shows exactly the text that
will be sent, to whom; the reply and the removal of the draft are one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from db import write_transaction
from db.timefmt import to_text
from desk.case_view import CaseView, format_moment, load_case_view
from desk.drafts import Draft, Template, discard_draft, fill_template, load_draft, save_draft
from desk.drafts import templates as load_templates
from desk.errors import StaleCase, describe
from desk.i18n import CATALOG, extend, t
from desk.inbox import InboxSource
from desk.safety import printable
from desk.services import Outcome, perform
from desk.workflow import Action
from widgets.bindings import localize_bindings
from widgets.dialogs import ActionDialog, ConfirmDialog
from widgets.key_footer import KeyFooter
from widgets.worker_errors import notify_failure

__all__ = ["ReplyScreen", "ReviewDialog", "delivery"]

TEXTS: dict[str, tuple[str, str]] = {
    "reply.complaint": ("Laporan", "The complaint"),
    "reply.reporter_said": (
        "Tanggapan terakhir pelapor · {at}",
        "The reporter's latest reply · {at}",
    ),
    "reply.no_reporter_reply": ("Belum ada tanggapan pelapor.", "No reply from the reporter yet."),
    "reply.delivery.local": (
        "{ref}: tindak lanjut dicatat di desk ini saja. Desk ini belum terhubung ke sistem pusat "
        "(desk remote set), jadi belum sampai ke pelapor.",
        "{ref}: follow-up recorded on this desk only. This desk has no central system yet "
        "(desk remote set), so it has not reached the reporter.",
    ),
    "reply.delivery.queued": (
        "{ref}: tindak lanjut masuk antrean, terkirim ke sistem pusat pada sinkronisasi "
        "berikutnya (S).",
        "{ref}: follow-up queued; it goes to the central system at the next sync (S).",
    ),
    "reply.delivery.sent": (
        "{ref}: tindak lanjut terkirim ke sistem pusat.",
        "{ref}: follow-up sent to the central system.",
    ),
}
if "reply.complaint" not in CATALOG:
    extend(TEXTS)

BINDING_LABELS = {
    "reply-review": "binding.review",
    "reply-back": "binding.back",
    "review-send": "binding.send",
    "review-edit": "binding.edit",
    "review-later": "binding.not_now",
}


def delivery(database: Any, op_id: str) -> str:
    """Where a reply's outbox op is: "sent" once the central system took it, "queued" while it
    waits for a sync, "local" when the desk has no central system (desk/sync/remote.py)."""
    from desk.sync.remote import remote_url

    row = database.execute("SELECT state FROM outbox WHERE op_id = ?", [op_id]).fetchone()
    if row is not None and row[0] == "done":
        return "sent"
    return "queued" if remote_url(database) else "local"


def recipient(view: CaseView) -> str:
    """Who the reply goes to, as the review names them: "Anonim" or "Pelapor — <name>"."""
    if view.anonymous or view.reporter.withheld or not view.reporter.full_name:
        return t("case.anonymous") if view.anonymous else t("case.reporter")
    return f"{t('case.reporter')} — {printable(view.reporter.full_name, keep_newlines=False)}"


class ReviewDialog(ActionDialog[bool]):
    """The reply exactly as it will be sent: `y` sends, `e` edits again, `n` not now.

    Returns True once sent, None to edit again, False to leave it as a draft.
    """

    DEFAULT_CSS = """
    ReviewDialog > #dialog { width: 90; }
    ReviewDialog #review-text {
        height: auto; max-height: 20; border: round $success; padding: 0 1; margin-top: 1;
    }
    ReviewDialog #review-public { color: $warning; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "send", "Kirim", id="review-send"),
        Binding("e", "cancel", "Ubah", id="review-edit"),
        Binding("n", "later", "Jangan kirim", id="review-later"),
    ]
    LABELS: ClassVar[dict[str, str]] = BINDING_LABELS
    AUTO_FOCUS = "#review-text"

    def __init__(self, label: str, to: str, text: str, *, run: Callable[[bool], object]) -> None:
        super().__init__(t("reply.review.title", ref=label), t("reply.review.hint"), run=run)
        self.to = to
        self.text = text

    def compose_body(self) -> ComposeResult:
        yield Static(t("reply.review.to", recipient=self.to), id="review-to", markup=False)
        yield Static(t("reply.review.public"), id="review-public", markup=False)
        with VerticalScroll(id="review-text"):
            yield Static(printable(self.text), id="review-body", markup=False)

    def action_send(self) -> None:
        self.submit(True)

    def action_later(self) -> None:
        if not self.busy:
            self.dismiss(False)


class ReplyScreen(Screen[bool]):
    """The follow-up composer for one case. Dismisses with True when the reply was sent."""

    DEBOUNCE = 1.0  # seconds after the last keystroke before the draft is saved

    AUTO_FOCUS = "#composer"
    DEFAULT_CSS = """
    ReplyScreen #reply-header { height: auto; padding: 0 1; background: $boost; }
    ReplyScreen #reply-body { height: 1fr; }
    ReplyScreen #reply-side { width: 46; height: 1fr; }
    ReplyScreen #complaint { height: 1fr; padding: 0 1; border-bottom: solid $panel; }
    ReplyScreen #complaint:focus { background-tint: $foreground 5%; }
    ReplyScreen .side-title { text-style: bold; color: $accent; }
    ReplyScreen #complaint-title { text-style: bold; }
    ReplyScreen #reporter-said { margin-top: 1; color: $text-muted; text-style: bold; }
    ReplyScreen #reporter-reply { border-left: outer $warning; padding-left: 1; }
    ReplyScreen #templates-box { height: 9; }
    ReplyScreen #templates-title { text-style: bold; color: $accent; padding: 0 1; }
    ReplyScreen #templates { height: 1fr; }
    ReplyScreen.narrow #templates { border: none; padding: 0; }
    ReplyScreen.narrow #templates:focus { background-tint: $foreground 8%; }
    ReplyScreen #composer { width: 1fr; height: 1fr; }
    ReplyScreen.narrow #reply-body { layout: vertical; }
    ReplyScreen.narrow #reply-side { width: 1fr; height: 11; layout: horizontal; }
    ReplyScreen.narrow #complaint { width: 1fr; border-bottom: none; border-right: solid $panel; }
    ReplyScreen.narrow #templates-box { width: 30; height: 1fr; }
    ReplyScreen #reply-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+j,alt+enter", "review", "Periksa & kirim", id="reply-review"),
        Binding("escape", "back", "Kembali", id="reply-back"),
    ]

    class DraftSaved(Message):
        """A draft reached the database (posted from the saving thread)."""

        def __init__(self, at: str) -> None:
            super().__init__()
            self.at = at

    def __init__(self, source: InboxSource, case_id: int) -> None:
        super().__init__()
        localize_bindings(self, BINDING_LABELS)
        self.source = source
        self.case_id = case_id
        self.view: CaseView | None = None
        self.template_list: list[Template] = []
        self.template_code: str | None = None
        self._timer: Timer | None = None
        self._lock = threading.Lock()  # one draft write or send at a time, in edit order
        self._last_text = ""
        self._edits = 0  # bumped on every change of the text
        self._saved_edit = 0  # the change the database holds
        self._sent = False
        self._ready = False
        self.delivery: str | None = None  # once sent: "sent", "queued" or "local"

    def compose(self) -> ComposeResult:
        yield Static(t("case.loading"), id="reply-header", markup=False)
        with Horizontal(id="reply-body"):
            with Vertical(id="reply-side"):
                # The complaint in view while writing: public text, shown as plain content.
                with VerticalScroll(id="complaint"):
                    yield Static(t("reply.complaint"), classes="side-title", markup=False)
                    yield Static("", id="complaint-title", markup=False)
                    yield Static("", id="complaint-body", markup=False)
                    yield Static("", id="reporter-said", markup=False)
                    yield Static("", id="reporter-reply", markup=False)
                with Vertical(id="templates-box"):
                    yield Static(t("reply.templates"), id="templates-title", markup=False)
                    yield OptionList(id="templates", markup=False)
            yield TextArea(id="composer", soft_wrap=True, tab_behavior="focus", disabled=True)
        yield Static(t("reply.hint"), id="reply-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def on_resize(self) -> None:
        narrow = self.size.width < 100
        self.set_class(narrow, "narrow")
        self.query_one(KeyFooter).compact = narrow

    @property
    def composer(self) -> TextArea:
        return self.query_one("#composer", TextArea)

    # -- loading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="reply-load", exit_on_error=False)
    def load(self) -> None:
        database = self.source.database()
        view = load_case_view(database, self.source.actor, self.case_id, self.source.clock())
        draft = load_draft(database, view.case["id"], self.source.actor.nip)
        if not get_current_worker().is_cancelled:  # a newer read is on its way
            self.app.call_from_thread(self._show, view, draft, load_templates(database))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "reply-load":
            error = event.worker.error
            self.query_one("#reply-header", Static).update(describe(error) if error else "")
        notify_failure(self, event)

    def _show(self, view: CaseView, draft: Draft | None, templates: list[Template]) -> None:
        if not self.is_attached:
            return
        self.view = view
        self.query_one("#reply-header", Static).update(
            Content.assemble(
                (t("reply.title", ref=printable(view.label, keep_newlines=False)), "bold"),
                " · ",
                printable(view.case["title"] or "", keep_newlines=False),
                "\n",
                (t("reply.review.to", recipient=recipient(view)), "$text-muted"),
            )
        )
        self._show_complaint(view)
        if self._ready:
            return  # a reload after a refusal: the composer keeps what the officer wrote
        self.template_list = templates
        options = self.query_one("#templates", OptionList)
        options.set_options(
            Option(Content(printable(template.title, keep_newlines=False)), id=template.code)
            for template in templates
        )
        options.highlighted = 0 if templates else None
        composer = self.composer
        if draft is not None:
            self.template_code = draft.template_code
            self._last_text = draft.body
            composer.load_text(draft.body)
            composer.move_cursor(composer.document.end)
            self.notify(
                t("reply.draft_restored", at=format_moment(draft.saved_at, view.unit_tz)),
                markup=False,
            )
        composer.disabled = False
        composer.focus()
        self._ready = True

    def _show_complaint(self, view: CaseView) -> None:
        self.query_one("#complaint-title", Static).update(
            printable(view.case["title"] or "", keep_newlines=False)
        )
        self.query_one("#complaint-body", Static).update(
            printable(view.case["body"] or "").rstrip()
        )
        said = self.query_one("#reporter-said", Static)
        reply = self.query_one("#reporter-reply", Static)
        latest = view.latest_reporter_reply
        if latest is None:
            said.update(t("reply.no_reporter_reply"))
            reply.display = False
        else:
            said.update(t("reply.reporter_said", at=latest.at))
            reply.update(printable(latest.body or "").rstrip())
            reply.display = True

    # -- drafts ------------------------------------------------------------------------------

    @on(TextArea.Changed, "#composer")
    def _text_changed(self) -> None:
        text = self.composer.text
        if not self._ready or text == self._last_text:
            return  # loading the draft is not an edit
        self._last_text = text
        self._edits += 1
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self._save_soon)

    def _save_soon(self) -> None:
        self._timer = None
        self._save(self._edits, self._last_text, self.template_code)

    @work(thread=True, exit_on_error=False, group="draft-save")
    def _save(self, edit: int, body: str, template_code: str | None) -> None:
        self.write_draft(edit, body, template_code)

    def write_draft(self, edit: int, body: str, template_code: str | None) -> None:
        """Save the text of change `edit` unless a later one is saved (any thread but the UI's)."""
        try:
            with self._lock:
                if self._sent or edit <= self._saved_edit:
                    return
                now = self.source.clock()
                save_draft(
                    self.source.database(),
                    self.case_id,
                    self.source.actor.nip,
                    body,
                    template_code,
                    now=now,
                )
                self._saved_edit = edit
            self.post_message(self.DraftSaved(to_text(now)))
        except Exception as error:  # the text is still in the editor; the next change retries
            self.app.notify(describe(error), severity="error", markup=False, timeout=10)

    def on_reply_screen_draft_saved(self, event: DraftSaved) -> None:
        if self.view is None or not self.is_attached:
            return
        at = format_moment(event.at, self.view.unit_tz).rsplit(" ", 2)[-2]  # the time of day
        self.query_one("#reply-status", Static).update(
            f"{t('reply.draft_saved', at=at)} · {t('reply.hint')}"
        )

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if not self._sent and self._edits > self._saved_edit:
            # Not a Textual worker: the app may be shutting down, and this write must finish.
            threading.Thread(
                target=self.write_draft,
                args=(self._edits, self._last_text, self.template_code),
                name="desk-draft-save",
            ).start()

    # -- templates ---------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#templates")
    def _template_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        template = next((x for x in self.template_list if x.code == event.option.id), None)
        if template is None or self.view is None:
            return
        # Templates come from the central system: nothing in them may act on the terminal.
        filled = printable(
            fill_template(template.body, self.view, self.source.actor, self.source.clock())
        )

        def use(confirmed: bool | None = True) -> None:
            if not confirmed:
                return
            composer = self.composer
            self.template_code = template.code
            composer.replace(
                filled,
                composer.document.start,
                composer.document.end,
                maintain_selection_offset=False,
            )
            composer.focus()

        if self.composer.text.strip():
            self.app.push_screen(ConfirmDialog(t("reply.replace", title=template.title)), use)
        else:
            use()

    # -- sending -----------------------------------------------------------------------------

    def action_review(self) -> None:
        view = self.view
        if view is None:
            return
        text = self.composer.text.strip()
        if not text:
            self.notify(t("reply.empty"), severity="warning", markup=False)
            self.composer.focus()
            return
        self.app.push_screen(
            ReviewDialog(
                printable(view.label, keep_newlines=False),
                recipient(view),
                text,
                run=lambda _: self.send_now(text),
            ),
            self._reviewed,
        )

    def send_now(self, text: str) -> Outcome:
        """Send `text` as the follow-up and drop the draft, in one transaction (worker thread)."""
        view = self.view
        assert view is not None
        database = self.source.database()
        try:
            with self._lock:
                with write_transaction(database):
                    outcome = perform(
                        database,
                        self.source.actor,
                        Action.FOLLOW_UP,
                        view.case["id"],
                        text=text,
                        expected_version=view.version,
                        now=self.source.clock(),
                    )
                    discard_draft(database, view.case["id"], self.source.actor.nip)
                self._sent = True  # no draft save may bring the sent text back
            self.delivery = delivery(database, outcome.op_id)
        except StaleCase:
            self.app.call_from_thread(self.load)
            raise
        return outcome

    def _reviewed(self, result: bool | None) -> None:
        if result is True:
            self.dismiss(True)
        elif result is False:
            self.dismiss(False)  # the draft is saved on the way out
        else:
            self.composer.focus()

    def delivery_message(self, ref: str) -> str:
        """What happened to the reply, as the officer is told once the composer closes."""
        return t(f"reply.delivery.{self.delivery or 'queued'}", ref=ref)

    def action_back(self) -> None:
        self.dismiss(False)
