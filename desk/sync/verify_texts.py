"""The texts of `desk sync verify` (Indonesian, English), registered with the catalog on import."""

from __future__ import annotations

from desk.i18n import extend

TEXTS: dict[str, tuple[str, str]] = {
    "sync.verify.missing": ("tidak ada di desk", "missing on the desk"),
    "sync.verify.missing_gone": (
        "di desk hanya salinan baca-saja (dianggap keluar lingkup), di pusat masih lingkup "
        "kantor ini",
        "only a read-only copy on the desk (taken as out of scope), in this office's scope "
        "centrally",
    ),
    "sync.verify.extra": (
        "hanya di desk (bukan lingkup kantor ini di pusat)",
        "only on the desk (not in this office's scope centrally)",
    ),
    "sync.verify.differs": ("berbeda: {what}", "differs: {what}"),
    "sync.verify.value": (
        "{field} (desk {desk}, pusat {central})",
        "{field} (desk {desk}, central {central})",
    ),
    "sync.verify.pending": (
        "menunggu kirim ({count} operasi): tidak dibandingkan",
        "waiting to be sent ({count} operations): not compared",
    ),
    "sync.verify.field.version": ("versi", "version"),
    "sync.verify.field.status": ("status", "status"),
    "sync.verify.field.tracking_no": ("nomor", "tracking number"),
    "sync.verify.field.unit_code": ("unit", "unit"),
    "sync.verify.field.assignee_nip": ("petugas", "assignee"),
    "sync.verify.field.duplicate_of": ("duplikat dari", "duplicate of"),
    "sync.verify.field.events": ("peristiwa", "events"),
    "sync.verify.none": ("-", "-"),
    "sync.verify.identical": (
        "Identik dengan pusat: {compared} kasus dibandingkan.",
        "Identical to the central system: {compared} cases compared.",
    ),
    "sync.verify.different": (
        "Berbeda dari pusat: {count} kasus ({compared} kasus di desk, {central} di pusat).",
        "Different from the central system: {count} cases ({compared} cases on the desk, "
        "{central} centrally).",
    ),
    "sync.verify.different.one": (
        "Berbeda dari pusat: {count} kasus ({compared} kasus di desk, {central} di pusat).",
        "Different from the central system: {count} case ({compared} cases on the desk, "
        "{central} centrally).",
    ),
    "sync.verify.repaired": (
        "Diperbaiki: {count} kasus diambil lagi dari pusat; sekarang identik.",
        "Repaired: {count} cases fetched again from the central system; now identical.",
    ),
    "sync.verify.repaired.one": (
        "Diperbaiki: {count} kasus diambil lagi dari pusat; sekarang identik.",
        "Repaired: {count} case fetched again from the central system; now identical.",
    ),
    "sync.verify.still": (
        "Setelah perbaikan ({count} kasus diambil lagi) masih berbeda: {remaining} kasus.",
        "After the repair ({count} cases fetched again) still different: {remaining} cases.",
    ),
    "sync.verify.still.one": (
        "Setelah perbaikan ({count} kasus diambil lagi) masih berbeda: {remaining} kasus.",
        "After the repair ({count} case fetched again) still different: {remaining} cases.",
    ),
    "sync.verify.pending_count": (
        "{count} kasus menunggu kirim tidak dibandingkan.",
        "{count} cases waiting to be sent were not compared.",
    ),
    "sync.verify.pending_count.one": (
        "{count} kasus menunggu kirim tidak dibandingkan.",
        "{count} case waiting to be sent was not compared.",
    ),
    "sync.verify.local_only": (
        "{count} kasus buatan desk yang ditolak pusat tidak dibandingkan.",
        "{count} cases made at the desk and refused centrally were not compared.",
    ),
    "sync.verify.local_only.one": (
        "{count} kasus buatan desk yang ditolak pusat tidak dibandingkan.",
        "{count} case made at the desk and refused centrally was not compared.",
    ),
    "sync.verify.cost": (
        "{requests} permintaan, naik {up}, turun {down}, {seconds} dtk.",
        "{requests} requests, up {up}, down {down}, {seconds} s.",
    ),
    "sync.verify.hint": (
        "Jalankan 'desk sync' lalu 'desk sync verify --repair' untuk mengambil salinan pusat.",
        "Run 'desk sync', then 'desk sync verify --repair' to fetch the central copies.",
    ),
    "sync.verify.failed": (
        "Tidak dapat membandingkan dengan pusat: {reason}",
        "Cannot compare with the central system: {reason}",
    ),
}

extend(TEXTS)
