"""The texts of a sync's progress line (CLI status and the TUI's bottom line)."""

from __future__ import annotations

from desk.i18n import extend

TEXTS: dict[str, tuple[str, str]] = {
    "sync.progress.push": ("Mengirim {done}/{total} tindakan", "Sending {done}/{total} actions"),
    "sync.progress.pull": ("Mengambil {done} kasus", "Fetching {done} cases"),
    "sync.progress.pull_of": ("Mengambil {done}/{total} kasus", "Fetching {done}/{total} cases"),
    "sync.progress.refresh": ("Mencocokkan {done} kasus", "Matching {done} cases"),
    "sync.progress.files": ("Lampiran {done}/{total}", "Attachments {done}/{total}"),
    "sync.progress.up": ("↑ {size}", "↑ {size}"),
    "sync.progress.down": ("↓ {size}", "↓ {size}"),
    "sync.progress.left": ("± {time} lagi", "about {time} left"),
    "sync.progress.seconds": ("{count} dtk", "{count} s"),
    "sync.progress.minutes": ("{count} mnt", "{count} min"),
    "sync.progress.hours": ("{count} jam", "{count} h"),
}

extend(TEXTS)
