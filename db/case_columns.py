"""The stored columns of `cases` (schema_v1.sql), in table order, for code that writes whole rows.

Bulk writers (the seed, the importer) insert every column at once; the sync wire carries the
same fields less the ones that are local or travel in another form. One list, so a column added
to the schema is added to each of them or to none.
"""

from __future__ import annotations

# Every column a bulk insert fills (not the generated `due_sort`, nor `conflict`, which only
# sync sets).
CASE_COLUMNS = (
    "id",
    "local_id",
    "tracking_no",
    "complaint_id",
    "title",
    "body",
    "classification",
    "category",
    "subcategory",
    "channel",
    "location",
    "incident_date",
    "anonymous",
    "confidential",
    "status",
    "unit_code",
    "assignee_nip",
    "received_at",
    "updated_at",
    "version",
    "due_at",
    "due_kind",
    "auto_at",
    "auto_kind",
    "hold_remaining_hk",
    "duplicate_of",
    "rating",
    "source",
    "extra",
)

# The fields a case carries on the sync wire as they are stored (docs/sync-protocol.md); the
# identity (`local_id`), the flags (booleans on the wire), `duplicate_of` (a case reference) and
# `extra` (JSON) travel in their own form.
WIRE_FIELDS = (
    *(
        name
        for name in CASE_COLUMNS
        if name not in ("id", "local_id", "anonymous", "confidential", "duplicate_of", "extra")
    ),
    # The number on the receipt of a case made at a desk (schema v5): every desk of the office
    # can find the case by it, not only the one that took the complaint.
    "provisional_no",
)
