"""Officers: who may use a database, their PINs, and signing in.

A PIN (or passphrase) is stored only as a scrypt hash: memory-hard, so a stolen database does not
give the PINs away to a GPU. Before scrypt, the PIN is keyed with HMAC-SHA256 and the database's
PIN key, a random secret kept beside the database in an owner-only file (`<db>.pin-key`) and
never in it: a stolen database or backup alone gives nothing to guess PINs against, however
short they are (docs/security.md, "PINs"). PINs hashed before there was a key keep working and
are keyed at their officer's next sign-in. Repeated failures lock the officer for a while. Every
change to an officer and every sign-in attempt goes into the audit log. Only an admin manages
officers, checked here so that every caller (CLI, TUI) obeys the same rule.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from db import audit, write_transaction
from db.connection import create_private, database_path, tighten
from db.timefmt import from_text, to_text, utc_now
from desk.errors import ActionRefused, DeskError, InvalidInput, NotFound
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
PIN_KEY_SUFFIX = ".pin-key"  # beside the database: `<db>.pin-key`
UNKEYED = "scrypt"  # scrypt(PIN): hashes made before the PIN key
KEYED = "scrypt-k1"  # scrypt(HMAC-SHA256(PIN key, PIN)), naming the key by its id

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
        "officer.pin_key_missing": (
            "PIN {nip} dibuat dengan kunci PIN {key}, yang tidak ada di {path}: kembalikan "
            "berkas kunci itu dari tempat Anda menyimpannya (desk menyimpannya di samping basis "
            "data, tidak pernah di cadangan). Jika hilang: 'desk officer clear-lost-pins', lalu "
            "admin memberi PIN baru.",
            "The PIN of {nip} was set with the PIN key {key}, which is not at {path}: put that "
            "key file back from where you keep it (desk keeps it beside the database, never in "
            "a backup). If it is lost: 'desk officer clear-lost-pins', then an admin sets new "
            "PINs.",
        ),
        "officer.pin_key_damaged": (
            "Berkas kunci PIN {path} rusak ({reason}): kembalikan salinannya. Basis data tidak "
            "diubah.",
            "The PIN key file {path} is damaged ({reason}): put its copy back. The database "
            "was not changed.",
        ),
        "officer.pin_key_backup_note": (
            "PIN diperiksa dengan kunci PIN {path}, yang tidak pernah ikut dalam cadangan: "
            "simpan salinannya terpisah dari cadangan, untuk memulihkan di PC lain.",
            "PINs are checked with the PIN key {path}, which is never in a backup: keep a copy "
            "of it apart from the backups, to restore on another PC.",
        ),
        "officer.pin_key_foreign": (
            "{count} petugas ({nips}) punya PIN yang dibuat dengan kunci PIN lain, yang tidak "
            "ada di {path}: taruh berkas kunci itu di sana, atau jalankan "
            "'desk officer clear-lost-pins' lalu beri PIN baru.",
            "{count} officers ({nips}) have PINs set with another PIN key, not at {path}: put "
            "that key file there, or run 'desk officer clear-lost-pins' and set new PINs.",
        ),
        "officer.no_lost_pins": (
            "Semua PIN bisa diperiksa dengan kunci PIN di {path}: tidak ada yang dihapus.",
            "Every PIN can be checked with the PIN key at {path}: nothing was cleared.",
        ),
    }
)


@dataclass(frozen=True)
class PinKey:
    """The database's PIN key: `id` names it in each hash (it reveals nothing of `secret`)."""

    id: str
    secret: bytes


def _pin_key_of(secret: bytes) -> PinKey:
    return PinKey(hashlib.sha256(b"desk pin key\x00" + secret).hexdigest()[:16], secret)


# An in-memory database has no folder to keep a key in: it gets one for the process's life.
_MEMORY_KEY = _pin_key_of(secrets.token_bytes(32))


def pin_key_path(database: sqlite_utils.Database) -> Path | None:
    """`<db>.pin-key` beside the database file (None for an in-memory database)."""
    path = database_path(database)
    return Path(path + PIN_KEY_SUFFIX) if path else None


def pin_key(database: sqlite_utils.Database, *, create: bool = False) -> PinKey | None:
    """The database's PIN key; with `create`, made when missing (32 random bytes, in a new
    owner-only file, on disk before any hash uses it). None when missing and not `create`."""
    path = pin_key_path(database)
    if path is None:
        return _MEMORY_KEY
    try:
        tighten(path)  # copied around with a loose mode: closed again before reading
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        secret = secrets.token_bytes(32)
        try:
            descriptor = create_private(path)
        except FileExistsError:  # another desk made it meanwhile: use theirs
            return pin_key(database)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secret.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return _pin_key_of(secret)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise DeskError(t("officer.pin_key_damaged", path=path, reason=reason)) from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != 32:
        raise DeskError(t("officer.pin_key_damaged", path=path, reason="64 hex"))
    return _pin_key_of(secret)


def key_id_of(stored: str) -> str | None:
    """The id of the PIN key a hash needs (None: an unkeyed hash from before the key)."""
    parts = stored.split("$")
    return parts[1] if parts[0] == KEYED and len(parts) == 7 else None


@dataclass(frozen=True)
class NewOfficer:
    nip: str
    name: str
    unit_code: str
    role: Role


def hash_pin(pin: str, key: PinKey) -> str:
    """`scrypt-k1$keyid$N$r$p$salt$hash` (base64): the only form in which a PIN is stored."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(_keyed(pin, key), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        [KEYED, key.id, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)]
    )


def pin_matches(stored: str, pin: str, key: PinKey | None) -> bool:
    """Whether `pin` is the one hashed in `stored` (keyed with `key`, which must be the one the
    hash names; an unkeyed hash needs none). A damaged hash or the wrong key never matches."""
    parts = stored.split("$")
    try:
        if parts[0] == UNKEYED and len(parts) == 6:
            secret = pin.encode("utf-8")
            n, r, p, salt, digest = parts[1:]
        elif parts[0] == KEYED and len(parts) == 7:
            if key is None or key.id != parts[1]:
                return False
            secret = _keyed(pin, key)
            n, r, p, salt, digest = parts[2:]
        else:
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(secret, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False  # a damaged hash never matches
    return hmac.compare_digest(actual, expected)


def _keyed(pin: str, key: PinKey) -> bytes:
    return hmac.new(key.secret, pin.encode("utf-8"), hashlib.sha256).digest()


def _scrypt(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


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


def may_keep_desk(database: sqlite_utils.Database, actor: Actor | None) -> bool:
    """Whether `actor` may do what keeps the desk itself: import, restore, repoint sync,
    holiday files, seed (docs/security.md, "Who keeps a desk").

    An admin, on a desk that has one. A unit office's desk has none: its first sync brings only
    its units' officers, so there its petugas keep it, or nobody could restore a backup or
    repoint sync there. A new desk without officers is kept by whoever sets it up (None). A
    head acts on nothing, here too.
    """
    if actor is None:
        return not has_officers(database)
    if actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.PETUGAS:
        return False
    admin = database.execute(
        "SELECT 1 FROM officers WHERE role = 'admin' AND active = 1 LIMIT 1"
    ).fetchone()
    return admin is None


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
    key = pin_key(database, create=True) if pin is not None else None
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
                hash_pin(pin, key) if pin is not None and key is not None else None,
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
    key = pin_key(database, create=True)
    assert key is not None
    with write_transaction(database):
        row = _officer_row(database, nip)
        database.execute(
            "UPDATE officers SET pin_hash = ?, failed_attempts = 0, locked_until = NULL "
            "WHERE nip = ?",
            [hash_pin(pin, key), row["nip"]],
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
    key = pin_key(database) if needs_pin(database, actor.nip) else None
    with write_transaction(database):
        row = _officer_row(database, actor.nip)
        if not row["pin_hash"]:
            # No PIN to check, but who began working and when is still on the record.
            audit.append(
                database, at=at, actor_nip=actor.nip, action="login", detail={"pin": False}
            )
            return
        if row["locked_until"] and from_text(row["locked_until"]) > now:
            audit.append(database, at=at, actor_nip=actor.nip, action="login_locked", detail={})
            refusal = t("officer.locked", nip=actor.nip, until=_minute(row["locked_until"]))
        elif pin is None:
            refusal = t("officer.needs_pin", nip=actor.nip)
        elif (needed := key_id_of(row["pin_hash"])) is not None and (
            key is None or key.id != needed
        ):
            # Not the officer's mistake: no try is counted, and the refusal says what to do.
            audit.append(
                database,
                at=at,
                actor_nip=actor.nip,
                action="login_refused",
                detail={"reason": "pin_key_missing", "key": needed},
            )
            refusal = t(
                "officer.pin_key_missing", nip=actor.nip, key=needed, path=pin_key_path(database)
            )
        elif pin_matches(row["pin_hash"], pin, key):
            detail: dict[str, Any] = {}
            if needed is None:  # an unkeyed hash from before the PIN key: keyed from now on
                key = key or pin_key(database, create=True)
                assert key is not None
                database.execute(
                    "UPDATE officers SET pin_hash = ? WHERE nip = ?",
                    [hash_pin(pin, key), actor.nip],
                )
                detail["pin_rehashed"] = True
            database.execute(
                "UPDATE officers SET failed_attempts = 0, locked_until = NULL WHERE nip = ?",
                [actor.nip],
            )
            audit.append(database, at=at, actor_nip=actor.nip, action="login", detail=detail)
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


def pins_needing_another_key(database: sqlite_utils.Database) -> list[str]:
    """The officers whose PIN was set with a PIN key that is not beside this database."""
    key = pin_key(database)
    return [
        str(nip)
        for nip, stored in database.execute(
            "SELECT nip, pin_hash FROM officers WHERE pin_hash IS NOT NULL ORDER BY nip"
        )
        if (needed := key_id_of(str(stored))) is not None and (key is None or key.id != needed)
    ]


def clear_lost_pins(database: sqlite_utils.Database, *, now: datetime | None = None) -> list[str]:
    """Clear the PINs nobody can sign in with any more, their PIN key being lost; return whose.

    Needs no one signed in: nobody could sign in with those PINs, and whoever can remove the
    key file can already change the database itself. The officers open without a PIN until
    they or an admin set a new one; the clearing is in the audit log.
    """
    now = now or utc_now()
    with write_transaction(database):
        nips = pins_needing_another_key(database)
        if not nips:
            raise InvalidInput(t("officer.no_lost_pins", path=pin_key_path(database)))
        keys = sorted(
            {
                str(key_id_of(str(row[0])))
                for row in database.execute(
                    f"SELECT pin_hash FROM officers WHERE nip IN ({', '.join('?' for _ in nips)})",
                    nips,
                )
            }
        )
        database.execute(
            "UPDATE officers SET pin_hash = NULL, failed_attempts = 0, locked_until = NULL "
            f"WHERE nip IN ({', '.join('?' for _ in nips)})",
            nips,
        )
        audit.append(
            database,
            at=to_text(now),
            actor_nip=None,
            action="officer_pins_cleared",
            detail={"nips": nips, "lost_keys": keys},
        )
    return nips


def pin_key_note(database: sqlite_utils.Database) -> str | None:
    """After a backup: where the PIN key is, when PINs need it (it is never in the backup)."""
    keyed = database.execute(
        "SELECT 1 FROM officers WHERE pin_hash LIKE ? LIMIT 1", [KEYED + "$%"]
    ).fetchone()
    path = pin_key_path(database)
    return t("officer.pin_key_backup_note", path=path) if keyed and path else None


def foreign_pin_note(database: sqlite_utils.Database) -> str | None:
    """After a restore: the officers whose PIN needs a key that is not here, and what to do."""
    nips = pins_needing_another_key(database)
    if not nips:
        return None
    shown = ", ".join(nips[:5]) + (", …" if len(nips) > 5 else "")
    return t("officer.pin_key_foreign", count=len(nips), nips=shown, path=pin_key_path(database))


def _minute(instant: str) -> str:
    return instant[:16].replace("T", " ")


def _officer_row(database: sqlite_utils.Database, nip: str) -> dict[str, Any]:
    rows = list(database.query("SELECT * FROM officers WHERE nip = ?", [nip.strip()]))
    if not rows:
        raise NotFound(t("notfound.officer", nip=nip))
    return rows[0]
