"""Officers: who may use a database, their PINs, and signing in.

A PIN (or passphrase) is stored only as a scrypt hash: memory-hard, so a stolen database does not
give the PINs away to a GPU. Repeated failures lock the officer for a while. Every change to an
officer and every sign-in attempt goes into the audit log. Only an admin manages officers,
checked here so that every caller (CLI, TUI) obeys the same rule.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import from_text, to_text, utc_now
from desk.errors import ActionRefused, InvalidInput, NotFound
from desk.i18n import extend, role_label, t
from desk.workflow import Actor, Role

# scrypt cost: 2^15 × 8 × 128 B = 32 MB of memory and about 0.1 s per try on this class of PC.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PIN_LENGTH = 6
MAX_FAILURES = 5  # consecutive wrong PINs before the officer is locked
LOCK_MINUTES = 15
NIP_PATTERN = re.compile(r"^\d{18}$")  # NIP of a civil servant: 18 digits

extend(
    {
        "officer.need_admin": (
            "Hanya admin yang boleh {action} (Anda: {role}).",
            "Only an admin may {action} (you are: {role}).",
        ),
        "officer.first_must_be_admin": (
            "Petugas pertama sebuah basis data harus admin (--role admin).",
            "The first officer of a database must be an admin (--role admin).",
        ),
        "officer.bad_nip": (
            "NIP {nip} tidak sah: NIP terdiri dari 18 angka.",
            "NIP {nip} is not valid: a NIP has 18 digits.",
        ),
        "officer.exists": ("Petugas {nip} sudah ada.", "Officer {nip} already exists."),
        "officer.unknown_unit": (
            "Unit {unit} tidak dikenal; lihat 'desk unit list'.",
            "Unknown unit {unit}; see 'desk unit list'.",
        ),
        "officer.empty_name": ("Nama petugas wajib diisi.", "The officer's name is required."),
        "officer.short_pin": (
            "PIN terlalu pendek: minimal {length} karakter.",
            "The PIN is too short: at least {length} characters.",
        ),
        "officer.last_admin": (
            "{nip} adalah admin aktif terakhir: tambahkan admin lain dulu.",
            "{nip} is the last active admin: add another admin first.",
        ),
        "officer.needs_pin": (
            "Petugas {nip} memakai PIN: masukkan PIN-nya.",
            "Officer {nip} has a PIN: enter it.",
        ),
        "officer.wrong_pin": (
            "PIN salah untuk {nip} ({left} kali lagi sebelum dikunci).",
            "Wrong PIN for {nip} ({left} more tries before it is locked).",
        ),
        "officer.locked": (
            "Petugas {nip} dikunci sampai {until} UTC karena PIN salah berulang kali.",
            "Officer {nip} is locked until {until} UTC after repeated wrong PINs.",
        ),
        "officer.action.add": ("menambah petugas", "add officers"),
        "unit.action.add": ("menambah unit", "add units"),
        "unit.bad_code": (
            "Kode unit {code} tidak sah: huruf dan angka saja, maksimal 32.",
            "Unit code {code} is not valid: letters and digits only, at most 32.",
        ),
        "unit.empty_name": ("Nama unit wajib diisi.", "The unit's name is required."),
        "unit.bad_tz": (
            "Zona waktu {tz} tidak dikenal (contoh: Asia/Jakarta, Asia/Makassar, Asia/Jayapura).",
            "Unknown time zone {tz} (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura).",
        ),
        "unit.exists": ("Unit {code} sudah ada.", "Unit {code} already exists."),
        "officer.action.disable": ("menonaktifkan petugas", "disable officers"),
        "officer.action.enable": ("mengaktifkan petugas", "enable officers"),
        "officer.action.set_pin": (
            "mengganti PIN petugas lain",
            "change another officer's PIN",
        ),
    }
)


@dataclass(frozen=True)
class NewOfficer:
    nip: str
    name: str
    unit_code: str
    role: Role


def hash_pin(pin: str) -> str:
    """`scrypt$N$r$p$salt$hash` (base64): the only form in which a PIN is stored."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)]
    )


def pin_matches(stored: str, pin: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(pin, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False  # a damaged hash never matches
    return hmac.compare_digest(actual, expected)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _require_admin(actor: Actor | None, action_key: str) -> None:
    if actor is None or actor.role is not Role.ADMIN:
        role = role_label(actor.role.value) if actor else "-"
        raise ActionRefused(t("officer.need_admin", action=t(action_key), role=role))


def _check_pin(pin: str) -> None:
    if len(pin) < MIN_PIN_LENGTH:
        raise InvalidInput(t("officer.short_pin", length=MIN_PIN_LENGTH))


def has_officers(database: sqlite_utils.Database) -> bool:
    return database.execute("SELECT 1 FROM officers LIMIT 1").fetchone() is not None


def add_officer(
    database: sqlite_utils.Database,
    actor: Actor | None,
    officer: NewOfficer,
    *,
    pin: str | None = None,
    now: datetime | None = None,
) -> None:
    """Register an officer. The first officer of a database (who has no admin yet) must be an
    admin and needs no one's permission; after that only an admin adds officers."""
    now = now or utc_now()
    nip = officer.nip.strip()
    if not NIP_PATTERN.match(nip):
        raise InvalidInput(t("officer.bad_nip", nip=nip))
    if not officer.name.strip():
        raise InvalidInput(t("officer.empty_name"))
    if pin is not None:
        _check_pin(pin)
    with write_transaction(database):
        if has_officers(database):
            _require_admin(actor, "officer.action.add")
        elif officer.role is not Role.ADMIN:
            raise InvalidInput(t("officer.first_must_be_admin"))
        unit = database.execute(
            "SELECT code FROM units WHERE code = ? COLLATE NOCASE", [officer.unit_code.strip()]
        ).fetchone()
        if unit is None:
            raise NotFound(t("officer.unknown_unit", unit=officer.unit_code))
        if database.execute("SELECT 1 FROM officers WHERE nip = ?", [nip]).fetchone():
            raise InvalidInput(t("officer.exists", nip=nip))
        database.execute(
            "INSERT INTO officers (nip, name, unit_code, role, pin_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                nip,
                officer.name.strip(),
                unit[0],
                officer.role.value,
                hash_pin(pin) if pin is not None else None,
                to_text(now),
            ],
        )
        audit.append(
            database,
            at=to_text(now),
            actor_nip=actor.nip if actor else None,
            action="officer_add",
            detail={
                "nip": nip,
                "unit": unit[0],
                "role": officer.role.value,
                "pin": pin is not None,
            },
        )


def add_unit(
    database: sqlite_utils.Database,
    actor: Actor | None,
    code: str,
    name: str,
    tz: str,
    *,
    now: datetime | None = None,
) -> None:
    """Add a unit (OPD) cases can be disposed to: an admin only, once the database has officers."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    now = now or utc_now()
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_.-]{0,31}", code):
        raise InvalidInput(t("unit.bad_code", code=code))
    if not name.strip():
        raise InvalidInput(t("unit.empty_name"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(t("unit.bad_tz", tz=tz)) from None
    with write_transaction(database):
        if has_officers(database):
            _require_admin(actor, "unit.action.add")
        if database.execute("SELECT 1 FROM units WHERE code = ?", [code]).fetchone():
            raise InvalidInput(t("unit.exists", code=code))
        database.execute(
            "INSERT INTO units (code, name, tz) VALUES (?, ?, ?)", [code, name.strip(), tz]
        )
        audit.append(
            database,
            at=to_text(now),
            actor_nip=actor.nip if actor else None,
            action="unit_add",
            detail={"code": code, "tz": tz},
        )


def set_active(
    database: sqlite_utils.Database,
    actor: Actor,
    nip: str,
    active: bool,
    *,
    now: datetime | None = None,
) -> None:
    """Disable an officer (they can no longer sign in or act) or enable them again."""
    now = now or utc_now()
    _require_admin(actor, "officer.action.enable" if active else "officer.action.disable")
    with write_transaction(database):
        row = _officer_row(database, nip)
        if not active and row["role"] == "admin" and row["active"]:
            admins = database.execute(
                "SELECT count(*) FROM officers WHERE role = 'admin' AND active = 1"
            ).fetchone()[0]
            if admins <= 1:
                raise ActionRefused(t("officer.last_admin", nip=nip))
        database.execute(
            "UPDATE officers SET active = ?, failed_attempts = 0, locked_until = NULL "
            "WHERE nip = ?",
            [int(active), row["nip"]],
        )
        audit.append(
            database,
            at=to_text(now),
            actor_nip=actor.nip,
            action="officer_enable" if active else "officer_disable",
            detail={"nip": row["nip"]},
        )


def set_pin(
    database: sqlite_utils.Database,
    actor: Actor,
    nip: str,
    pin: str,
    *,
    now: datetime | None = None,
) -> None:
    """Set or change a PIN: an officer their own (already signed in), an admin anyone's."""
    now = now or utc_now()
    if actor.nip != nip.strip():
        _require_admin(actor, "officer.action.set_pin")
    _check_pin(pin)
    with write_transaction(database):
        row = _officer_row(database, nip)
        database.execute(
            "UPDATE officers SET pin_hash = ?, failed_attempts = 0, locked_until = NULL "
            "WHERE nip = ?",
            [hash_pin(pin), row["nip"]],
        )
        audit.append(
            database,
            at=to_text(now),
            actor_nip=actor.nip,
            action="officer_set_pin",
            detail={"nip": row["nip"]},  # never the PIN or its hash
        )


def needs_pin(database: sqlite_utils.Database, nip: str) -> bool:
    row = database.execute("SELECT pin_hash FROM officers WHERE nip = ?", [nip.strip()]).fetchone()
    return bool(row and row[0])


def sign_in(
    database: sqlite_utils.Database,
    actor: Actor,
    pin: str | None,
    *,
    now: datetime | None = None,
) -> None:
    """Check the officer's PIN (if they have one); every attempt is audited.

    Raises `ActionRefused` for a wrong PIN (saying how many tries are left) or a locked officer.
    An officer without a PIN signs in without one (single-user desks, the demo).
    """
    now = now or utc_now()
    at = to_text(now)
    # Decided inside the transaction, raised after it commits: a failed attempt and its audit
    # entry must be kept, not rolled back with the refusal.
    refusal: str | None = None
    with write_transaction(database):
        row = _officer_row(database, actor.nip)
        if not row["pin_hash"]:
            return
        if row["locked_until"] and from_text(row["locked_until"]) > now:
            audit.append(database, at=at, actor_nip=actor.nip, action="login_locked", detail={})
            refusal = t("officer.locked", nip=actor.nip, until=_minute(row["locked_until"]))
        elif pin is None:
            refusal = t("officer.needs_pin", nip=actor.nip)
        elif pin_matches(row["pin_hash"], pin):
            database.execute(
                "UPDATE officers SET failed_attempts = 0, locked_until = NULL WHERE nip = ?",
                [actor.nip],
            )
            audit.append(database, at=at, actor_nip=actor.nip, action="login", detail={})
        else:
            failures = int(row["failed_attempts"]) + 1
            locked = failures >= MAX_FAILURES
            locked_until = to_text(now + timedelta(minutes=LOCK_MINUTES)) if locked else None
            database.execute(
                "UPDATE officers SET failed_attempts = ?, locked_until = ? WHERE nip = ?",
                [0 if locked else failures, locked_until, actor.nip],
            )
            audit.append(
                database,
                at=at,
                actor_nip=actor.nip,
                action="login_failed",
                detail={"attempt": failures, "locked": locked},
            )
            if locked_until:
                refusal = t("officer.locked", nip=actor.nip, until=_minute(locked_until))
            else:
                refusal = t("officer.wrong_pin", nip=actor.nip, left=MAX_FAILURES - failures)
    if refusal:
        raise ActionRefused(refusal)


def _minute(instant: str) -> str:
    return instant[:16].replace("T", " ")


def _officer_row(database: sqlite_utils.Database, nip: str) -> dict[str, Any]:
    rows = list(database.query("SELECT * FROM officers WHERE nip = ?", [nip.strip()]))
    if not rows:
        raise NotFound(t("notfound.officer", nip=nip))
    return rows[0]
