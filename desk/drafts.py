"""Reply drafts saved as the officer types, and the templates a reply can start from.

A draft is one row per case, officer and kind (schema_v2.sql); saving replaces it, so the desk
can save every second without the table growing. Templates come from `reply_templates` (synced
from the central system or written by an admin); an office that has none gets the built-in ones.

Text the central system did not take (an operation refused, a conflict resolved with "keep
theirs", an outcome already in place) is kept as a draft of the officer who wrote it, of the kind
its action reads: a follow-up in the reply draft, a note, a reporter's reply, a reason
(`keep_text`). It never replaces a draft the officer has: it is added after it, below a
separator line, unless the draft holds that text already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from db import write_transaction
from db.timefmt import to_text, utc_now
from desk.case_view import CaseView, format_day
from desk.safety import printable
from desk.workflow import Actor

__all__ = [
    "DEFAULT_TEMPLATES",
    "DRAFT_KINDS",
    "NOTE",
    "REASON",
    "REPLY",
    "REPORTER_REPLY",
    "SEPARATOR",
    "Draft",
    "Template",
    "discard_draft",
    "draft_kind",
    "fill_template",
    "keep_text",
    "load_draft",
    "save_draft",
    "templates",
]

REPLY = "tindak_lanjut"  # the kind of draft a follow-up is
NOTE = "catatan"  # an internal note
REPORTER_REPLY = "tanggapan_pelapor"  # what the reporter answered, to be recorded
REASON = "alasan"  # the reason of a hold, a return, a reopening or an archiving
# Which draft an action's text goes to (`text` of the appending actions, `reason` of the others).
DRAFT_KINDS: dict[str, str] = {
    "follow_up": REPLY,
    "note": NOTE,
    "reporter_reply": REPORTER_REPLY,
    "hold": REASON,
    "return": REASON,
    "reopen": REASON,
    "archive": REASON,
}
# Between a draft the officer had and a text added to it (`keep_text`): plain, so that the
# review of a reply shows it, and the officer removes it before sending.
SEPARATOR = "\n\n----------\n\n"


@dataclass(frozen=True)
class Draft:
    case_id: int
    officer_nip: str
    body: str
    template_code: str | None
    saved_at: str  # UTC instant, as stored
    kind: str = REPLY


@dataclass(frozen=True)
class Template:
    code: str
    title: str
    body: str


DEFAULT_TEMPLATES: tuple[Template, ...] = (
    Template(
        "terima-kasih-proses",
        "Terima kasih, sedang diproses",
        "Yth. {sapaan},\n\n"
        "Terima kasih atas laporan Anda nomor {nomor} yang kami terima pada {tanggal_laporan}. "
        "Laporan tersebut sedang ditindaklanjuti oleh {unit}. Kami akan menyampaikan "
        "perkembangannya melalui kanal ini.\n\n"
        "Hormat kami,\n{petugas}\n{unit}",
    ),
    Template(
        "sudah-diperbaiki",
        "Sudah ditindaklanjuti / diperbaiki",
        "Yth. {sapaan},\n\n"
        "Menindaklanjuti laporan Anda nomor {nomor}, dengan ini kami sampaikan bahwa "
        "permasalahan yang dilaporkan telah ditangani pada {tanggal}. Apabila masih ada "
        "kendala, silakan menanggapi laporan ini.\n\n"
        "Terima kasih atas partisipasi Anda.\n{petugas}\n{unit}",
    ),
    Template(
        "butuh-data",
        "Mohon data tambahan",
        "Yth. {sapaan},\n\n"
        "Terima kasih atas laporan Anda nomor {nomor}. Agar dapat kami tindak lanjuti, mohon "
        "dilengkapi: lokasi yang lebih rinci (nama jalan, RT/kelurahan, patokan) dan foto "
        "pendukung bila ada.\n\n"
        "Hormat kami,\n{petugas}\n{unit}",
    ),
    Template(
        "bukan-wewenang-info",
        "Informasi: bukan wewenang kami",
        "Yth. {sapaan},\n\n"
        "Terima kasih atas laporan Anda nomor {nomor}. Setelah kami pelajari, permasalahan "
        "tersebut berada di luar kewenangan {unit}. Laporan Anda kami teruskan kepada instansi "
        "yang berwenang.\n\n"
        "Hormat kami,\n{petugas}\n{unit}",
    ),
)

_VARIABLE = re.compile(r"\{([a-z_]+)\}")


def save_draft(
    database: sqlite_utils.Database,
    case_id: int,
    officer_nip: str,
    body: str,
    template_code: str | None = None,
    now: datetime | None = None,
    *,
    kind: str = REPLY,
) -> None:
    """Keep `body` as the officer's draft for the case, replacing the one before.

    An empty (or blank) body discards the draft: there is nothing to come back to.
    """
    if not body.strip():
        discard_draft(database, case_id, officer_nip, kind=kind)
        return
    at = to_text(now or utc_now())
    with write_transaction(database):
        database.execute(
            "INSERT INTO drafts (case_id, officer_nip, kind, body, template_code, saved_at) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id, officer_nip, kind) DO UPDATE SET body = excluded.body, "
            "template_code = excluded.template_code, saved_at = excluded.saved_at",
            [case_id, officer_nip, kind, body, template_code, at],
        )


def load_draft(
    database: sqlite_utils.Database, case_id: int, officer_nip: str, *, kind: str = REPLY
) -> Draft | None:
    """The officer's saved draft for the case, or None."""
    row = database.execute(
        "SELECT body, template_code, saved_at FROM drafts "
        "WHERE case_id = ? AND officer_nip = ? AND kind = ?",
        [case_id, officer_nip, kind],
    ).fetchone()
    if row is None:
        return None
    return Draft(case_id, officer_nip, row[0], row[1], row[2], kind)


def discard_draft(
    database: sqlite_utils.Database, case_id: int, officer_nip: str, *, kind: str = REPLY
) -> None:
    """Forget the officer's draft for the case (after it was sent, or emptied)."""
    with write_transaction(database):
        database.execute(
            "DELETE FROM drafts WHERE case_id = ? AND officer_nip = ? AND kind = ?",
            [case_id, officer_nip, kind],
        )


def draft_kind(action: str) -> str | None:
    """The kind of draft an action's text is kept in, or None for actions without text."""
    return DRAFT_KINDS.get(action)


def keep_text(
    database: sqlite_utils.Database,
    case_id: int,
    officer_nip: str,
    text: str,
    *,
    kind: str,
    now: datetime | None = None,
) -> bool:
    """Keep `text` in the officer's draft of `kind` for the case, never losing what is there.

    No draft: the text becomes the draft. A draft that holds the text already: unchanged. Any
    other draft: the text is added after it, below `SEPARATOR`. Returns whether the draft holds
    the text now (False only for a blank text). Call inside a transaction or on its own.
    """
    text = text.strip()
    if not text:
        return False
    at = to_text(now or utc_now())
    with write_transaction(database):
        row = database.execute(
            "SELECT body FROM drafts WHERE case_id = ? AND officer_nip = ? AND kind = ?",
            [case_id, officer_nip, kind],
        ).fetchone()
        if row is not None and text in str(row[0]):
            return True
        if row is None or not str(row[0]).strip():
            body = text
        else:
            body = str(row[0]).rstrip() + SEPARATOR + text
        database.execute(
            "INSERT INTO drafts (case_id, officer_nip, kind, body, template_code, saved_at) "
            "VALUES (?, ?, ?, ?, NULL, ?) "
            "ON CONFLICT (case_id, officer_nip, kind) DO UPDATE SET body = excluded.body, "
            "saved_at = excluded.saved_at",
            [case_id, officer_nip, kind, body, at],
        )
    return True


def templates(database: sqlite_utils.Database) -> list[Template]:
    """The office's reply templates by title; the built-in ones when it has none."""
    rows = database.execute(
        "SELECT code, title, body FROM reply_templates ORDER BY title, code"
    ).fetchall()
    if not rows:
        return list(DEFAULT_TEMPLATES)
    return [Template(str(code), str(title), str(body)) for code, title, body in rows]


def template_values(
    case_view: CaseView, officer: Actor, now: datetime | None = None
) -> dict[str, str]:
    """The values of the variables a template may use, for this case and officer."""
    now = now or utc_now()
    reporter = case_view.reporter
    name = None if case_view.anonymous or reporter.withheld else reporter.full_name
    greeting = f"Bapak/Ibu {name}" if name else "Bapak/Ibu"
    values = {
        "nomor": case_view.label,
        "sapaan": greeting,
        "unit": case_view.unit_name or case_view.case.get("unit_code") or "",
        "tanggal": format_day(to_text(now), case_view.unit_tz),
        "tanggal_laporan": format_day(case_view.case["received_at"], case_view.unit_tz),
        "petugas": officer.name,
    }
    # Names come from the public and from imports: nothing that a terminal would act on.
    return {key: printable(str(value), keep_newlines=False) for key, value in values.items()}


def fill_template(
    body: str, case_view: CaseView, officer: Actor, now: datetime | None = None
) -> str:
    """`body` with {nomor}, {sapaan}, {unit}, {tanggal}, {tanggal_laporan}, {petugas} filled in.

    Unknown variables stay as typed, and nothing else in `body` is interpreted: no
    `str.format`, so braces in a template (or in the values) are harmless.
    """
    values = template_values(case_view, officer, now)
    return _VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), body)
