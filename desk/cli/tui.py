"""Opening the TUI from the command line: `desk`, `desk --as NIP`, `desk demo`.

Everything that needs the database before the first screen (the officer, the list to pick from)
is read here, before the event loop starts.
"""

from __future__ import annotations

from pathlib import Path

from db import open_database
from desk.cli.common import sign_in_officer
from desk.clocks import office_time_zone
from desk.errors import DeskError
from desk.i18n import t

DEMO_CASES = 5_000
DEMO_ADMIN_NIP = "198001012005011001"  # the seed's coordinating admin (desk/seed.py)


def open_desk(db_path: Path, as_nip: str | None) -> None:
    """Run the TUI on `db_path` as officer `as_nip` (else the last one used, else a picker)."""
    if not db_path.exists():
        raise DeskError(t("cli.no_database_tui", path=db_path))
    database = open_database(db_path)
    # The same sign-in as every command (desk/cli/common.py): an officer with a PIN types it
    # before the desk opens; the picker asks in the TUI. A remembered officer who is gone or
    # disabled gives the picker instead.
    actor = sign_in_officer(database, db_path, as_nip, forget_missing=True, desk=True)
    officers = list(
        database.query(
            "SELECT nip, name, unit_code, role, active, pin_hash IS NOT NULL AS has_pin "
            "FROM officers WHERE active = 1 ORDER BY role = 'admin' DESC, unit_code, name"
        )
    )
    if actor is None and not officers:
        raise DeskError(t("cli.no_officers", path=db_path))
    office_tz = office_time_zone(database)
    database.conn.close()

    from desk.app import DeskApp

    DeskApp(db_path, actor, officers, office_tz=office_tz).run()


def demo_database_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("desk", appauthor=False)) / "demo.db"


def ensure_demo_database(path: Path) -> bool:
    """Create the demo database once; True when it was created now."""
    if path.exists():
        return False
    from desk.seed import seed_database

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.db")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    database = open_database(partial)
    seed_database(database, DEMO_CASES, seed=1)
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.conn.close()
    partial.replace(path)  # a demo interrupted half-way is never mistaken for a whole one
    return True
