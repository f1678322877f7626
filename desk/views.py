"""The inbox views: named, fixed filters that follow the officer's role and unit.

A petugas sees their unit's share of the work views; an admin and a pimpinan see the office's.
What an officer may read at all (a petugas: their unit's cases and counter intakes) narrows
every view and search further: `InboxSource` applies desk/access.py's `readable_filters` to
whatever filter comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from db.inbox import CaseFilter, overdue_filter
from db.timefmt import to_text
from desk.i18n import current_language
from desk.workflow import Actor, Role, Status


@dataclass(frozen=True)
class View:
    code: str
    label_id: str
    label_en: str
    order: str = "due"

    @property
    def label(self) -> str:
        return self.label_en if current_language() == "en" else self.label_id


VIEWS: tuple[View, ...] = (
    View("verifikasi", "Perlu verifikasi", "Needs verification"),
    View("unit", "Unit saya", "My unit"),
    View("lewat", "Lewat batas", "Overdue"),
    View("tanggapan", "Ditanggapi pelapor", "Reporter replied"),
    View("tunda", "Ditunda", "On hold"),
    View("saya", "Tugas saya", "Mine"),
    View("semua", "Semua", "All"),
    View("selesai", "Selesai", "Closed", order="updated"),
)
VIEW_CODES = tuple(view.code for view in VIEWS)
# The statuses in which a case is the unit's work (docs/views.md).
WORKING = (Status.TERVERIFIKASI.value, Status.DIPROSES.value, Status.DITANGGAPI.value)


def view_by_code(code: str) -> View:
    for view in VIEWS:
        if view.code == code:
            return view
    raise KeyError(code)


def view_filter(code: str, actor: Actor, now: datetime) -> CaseFilter:
    """The filter of view `code` for `actor` at `now`: docs/views.md states each one."""
    own_unit = actor.unit_code if actor.role is Role.PETUGAS else None
    filters = {
        "verifikasi": CaseFilter(statuses=(Status.BARU.value, Status.DIKEMBALIKAN.value)),
        "unit": CaseFilter(statuses=WORKING, unit_code=actor.unit_code),
        # A petugas's overdue work is the unit's own deadline; the office's is every running
        # one. The same cases the report counts as "overdue now" (db/inbox.py).
        "lewat": overdue_filter(to_text(now), own_unit),
        "tanggapan": CaseFilter(statuses=(Status.DITANGGAPI.value,), unit_code=own_unit),
        "tunda": CaseFilter(statuses=(Status.TUNDA.value,)),
        # Open work: an assignee stays on a case that was closed, or returned and then archived
        # or restored, but it is no longer theirs to do.
        "saya": CaseFilter(statuses=WORKING, assignee_nip=actor.nip),
        "semua": CaseFilter(),
        "selesai": CaseFilter(statuses=(Status.SELESAI.value,), unit_code=own_unit),
    }
    return filters[code]


def with_search(base: CaseFilter, search: CaseFilter) -> CaseFilter:
    """A view narrowed by a search: the search's fields win where both set one."""
    changes = {
        name: value
        for name, value in vars(search).items()
        if value is not None and value != () and name != "extra"
    }
    return replace(base, **changes, extra=base.extra + search.extra)
