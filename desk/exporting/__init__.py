"""`desk export`: cases to CSV, XLSX, JSON Lines or JSON, with the privacy rules of the desk.

    export_cases(database, path, options, actor=actor, progress=None) -> ExportSummary

The modules, each with one job: `options` (what is asked, checks without a database),
`privacy` (how much of the reporter), `source` (which cases, read whole in batches), `cells`
(the spreadsheet columns, formula neutralising), `csv_file`, `xlsx_file`, `json_file` (the
writers), `service` (temporary file, rename, audit entry). Formats: docs/export.md and
docs/case-format.md.
"""

from desk.exporting.options import FORMATS, ExportOptions, ExportSummary, parse_day
from desk.exporting.privacy import Privacy
from desk.exporting.service import ExportFailed, Progress, export_cases

__all__ = [
    "FORMATS",
    "ExportFailed",
    "ExportOptions",
    "ExportSummary",
    "Privacy",
    "Progress",
    "export_cases",
    "parse_day",
]
