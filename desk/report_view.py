"""How report figures read in a table: one formatting for the terminal, the HTML and the TUI."""

from __future__ import annotations

from desk.i18n import current_language, t
from desk.metrics import UnitMetrics
from desk.report_texts import COLUMNS
from desk.safety import printable

# The columns a terminal table and the dashboard have room for (the HTML and files show all).
SHORT_COLUMNS = (
    "rank",
    "code",
    "received",
    "verified_in_time_pct",
    "followed_up_pct",
    "followed_up_in_time_pct",
    "median_follow_up_hk",
    "closed_pct",
    "unanswered",
    "returns",
    "overdue_now",
    "oldest_unanswered_hk",
    "active",
)
# The dashboard's: who (rank, then the unit by code and name) and the figure the rank follows
# first stay at the left, where 80 columns still show them; the rest follow.
RANKED_BY = "followed_up_in_time_pct"
DASHBOARD_COLUMNS = (
    "rank",
    "unit",
    RANKED_BY,
    "followed_up_pct",
    "median_follow_up_hk",
    "received",
    "verified_in_time_pct",
    "closed_pct",
    "unanswered",
    "returns",
    "overdue_now",
    "oldest_unanswered_hk",
    "active",
)
UNIT_WIDTH = 26  # code and name, cut to this many characters
ALL_COLUMNS = tuple(key for key, _id, _en in COLUMNS)
NUMERIC = frozenset(ALL_COLUMNS) - {"code", "oldest_unanswered", "active"}


def number_text(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → "1.234,5" in Indonesian, "1,234.5" in English; None → "–"."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if current_language() == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def column_title(key: str) -> str:
    if key == "unit":
        return t("report.col.code")
    return t(f"report.col.{key}")


def cell(row: UnitMetrics, key: str, *, office: bool = False) -> str:
    """The text of one figure of `row` in column `key`, safe for a terminal (unit codes and
    tracking numbers can come from imported files)."""
    return printable(_cell(row, key, office=office), keep_newlines=False)


def unit_text(row: UnitMetrics, *, office: bool = False, width: int = UNIT_WIDTH) -> str:
    """ "PUPR Dinas Pekerjaan Umum…": the unit by code and name, at most `width` characters."""
    if office:
        return t("report.office")
    text = printable(f"{row.code} {row.name}".strip(), keep_newlines=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell(row: UnitMetrics, key: str, *, office: bool = False) -> str:
    if key == "unit":
        return unit_text(row, office=office)
    if key == "code":
        return t("report.office") if office else row.code
    if key == "rank":
        return "" if office else (str(row.rank) if row.rank is not None else t("report.unranked"))
    if key == "active":
        return t("report.yes") if row.active else t("report.no")
    if key == "oldest_unanswered":
        return f"#{row.oldest_unanswered}" if row.oldest_unanswered else "–"
    value = getattr(row, key)
    if isinstance(value, float):
        return number_text(value, 1)
    if isinstance(value, int):
        return number_text(value)
    return "–" if value is None else str(value)
