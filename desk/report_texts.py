"""The texts of the unit-performance report and dashboard, registered once on import."""

from __future__ import annotations

from desk.i18n import extend

# Columns of the ranking table: (key, Indonesian, English). The key is the UnitMetrics field
# or property shown in that column, so every output shows the same figures under the same names.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("rank", "Peringkat", "Rank"),
    ("code", "Unit", "Unit"),
    ("received", "Diterima", "Received"),
    ("verified_in_time_pct", "Verifikasi ≤3 HK %", "Verified ≤3 WD %"),
    ("median_verify_hk", "Median HK verifikasi", "Median WD to verify"),
    ("followed_up_pct", "Ditindaklanjuti %", "Followed up %"),
    ("followed_up_in_time_pct", "Tindak lanjut ≤5 HK %", "Followed up ≤5 WD %"),
    ("median_follow_up_hk", "Median HK tindak lanjut", "Median WD to follow-up"),
    ("closed_pct", "Selesai %", "Closed %"),
    ("in_process_pct", "Dalam proses %", "In process %"),
    ("unanswered", "Belum dijawab", "Unanswered"),
    ("unresolved", "Belum selesai", "Unresolved"),
    ("returns", "Bukan Wewenang", "Returned"),
    ("bounced", "Dilempar >1 kali", "Bounced >1"),
    ("reporter_replies", "Tanggapan pelapor", "Reporter replies"),
    ("median_rating", "Median rating", "Median rating"),
    ("open_now", "Terbuka kini", "Open now"),
    ("overdue_now", "Lewat batas kini", "Overdue now"),
    ("oldest_unanswered", "Tertua belum dijawab", "Oldest unanswered"),
    ("oldest_unanswered_hk", "Umur (HK)", "Age (WD)"),
    ("active", "Aktif 30 hari", "Active 30 days"),
)

TEXTS: dict[str, tuple[str, str]] = {
    "report.bad_period": (
        "Periode '{value}' tidak dikenal: tulis 2026-11, 2026-Q4, 2026, "
        "2026-10-01..2026-10-15, month, last-month, quarter atau year.",
        "Unknown period '{value}': write 2026-11, 2026-Q4, 2026, 2026-10-01..2026-10-15, "
        "month, last-month, quarter or year.",
    ),
    "report.bad_min_cases": (
        "--min-cases harus 0 atau lebih, bukan {value}.",
        "--min-cases must be 0 or more, not {value}.",
    ),
    "report.unknown_unit": (
        "Unit '{code}' tidak ada di basis data ini (lihat desk unit list).",
        "There is no unit '{code}' in this database (see desk unit list).",
    ),
    "report.bad_format": (
        "Format '{value}' tidak dikenal: table, csv, xlsx, json atau html.",
        "Unknown format '{value}': table, csv, xlsx, json or html.",
    ),
    "report.needs_output": (
        "Format {format} ditulis ke berkas: tambahkan -o BERKAS.",
        "The {format} format is written to a file: add -o PATH.",
    ),
    "report.cannot_write": (
        "Tidak dapat menulis {path}: {error}",
        "Cannot write {path}: {error}",
    ),
    "report.written": ("Laporan ditulis ke {path}", "Report written to {path}"),
    "report.title": ("Kinerja unit", "Unit performance"),
    "report.period": (
        "Periode {label} ({start} s.d. {end}, {tz})",
        "Period {label} ({start} to {end}, {tz})",
    ),
    "report.generated": ("Dibuat {at}", "Generated {at}"),
    "report.office": ("Seluruh kantor", "Whole office"),
    "report.unranked": ("—", "—"),
    "report.yes": ("ya", "yes"),
    "report.no": ("tidak", "no"),
    "report.criteria": (
        "Peringkat: hanya unit dengan sedikitnya {min} laporan pada periode ini (yang lain "
        "ditampilkan tanpa peringkat). Urutan: 1) % ditindaklanjuti dalam 5 HK sejak disposisi, "
        "2) % ditindaklanjuti (tindak lanjut ÷ diterima), 3) median HK sampai tindak lanjut "
        "pertama (lebih kecil lebih baik). Nilai yang sama pada ketiganya: peringkat sama. "
        "Median, bukan rata-rata; waktu tunda tidak dihitung; HK menurut kalender dan zona "
        "waktu tiap unit. Verifikasi adalah kerja admin, tidak masuk peringkat unit.",
        "Ranking: only units with at least {min} cases in the period (the others are listed "
        "without a rank). Order: 1) % followed up within 5 WD of disposition, 2) % followed up "
        "(follow-ups ÷ received), 3) median WD to the first follow-up (lower is better). Equal "
        "on all three: the same rank. Medians, not means; time on hold is not counted; working "
        "days on each unit's calendar and time zone. Verification is the admin's work and does "
        "not count in a unit's rank.",
    ),
    "report.privacy": (
        "Hanya angka agregat: tanpa data pribadi, tanpa judul atau isi laporan.",
        "Aggregate figures only: no personal data, no titles or texts of cases.",
    ),
    "report.weekly": (
        "Per minggu: diterima vs sudah ditindaklanjuti (menurut minggu diterima)",
        "Per week: received vs followed up (by week received)",
    ),
    "report.week": ("Minggu mulai", "Week of"),
    "report.received": ("Diterima", "Received"),
    "report.followed_up": ("Ditindaklanjuti", "Followed up"),
    "report.distribution": (
        "Waktu sampai tindak lanjut pertama (HK sejak disposisi)",
        "Time to first follow-up (WD from disposition)",
    ),
    "report.hk": ("HK", "WD"),
    "report.cases": ("Laporan", "Cases"),
    "report.unanswered_bucket": ("belum dijawab", "unanswered"),
    "report.overdue": ("Lewat batas per unit (sekarang)", "Overdue per unit (now)"),
    "report.ranking": ("Peringkat", "Ranking"),
    "report.definitions": ("Definisi", "Definitions"),
    "report.definitions_text": (
        "Diterima: laporan yang masuk pada periode (tanggal lokal kantor); untuk unit, laporan "
        "yang kini dipegang unit itu. HK: hari kerja (Senin–Jumat tanpa libur nasional, cuti "
        "bersama dan libur daerah). Belum dijawab: belum ada tindak lanjut sama sekali; belum "
        "selesai: belum ditutup. 'Kini': keadaan saat laporan dibuat, bukan periode.",
        "Received: cases received in the period (office local dates); for a unit, the cases that "
        "unit now holds. WD: working days (Monday–Friday without national holidays, cuti bersama "
        "and regional holidays). Unanswered: no follow-up at all; unresolved: not closed. "
        "'Now': the state when the report was made, not the period.",
    ),
    "report.sheet.ranking": ("Peringkat", "Ranking"),
    "report.sheet.weekly": ("Tren mingguan", "Weekly trend"),
    "report.sheet.distribution": ("Distribusi tindak lanjut", "Follow-up distribution"),
    "report.sheet.overdue": ("Lewat batas per unit", "Overdue per unit"),
    "dashboard.title": ("Dasbor kinerja unit", "Unit performance dashboard"),
    "dashboard.loading": ("Menghitung {period}…", "Computing {period}…"),
    "dashboard.period": (
        "{label} ({start} s.d. {end}) · {received} laporan diterima · per {at}",
        "{label} ({start} to {end}) · {received} cases received · as of {at}",
    ),
    "dashboard.trend": (
        "Per minggu: diterima vs ditindaklanjuti",
        "Per week: received vs followed up",
    ),
    "dashboard.criteria": (
        "Peringkat (unit ≥{min} laporan): % tindak lanjut ≤5 HK, lalu % ditindaklanjuti, lalu "
        "median HK (median, tanpa waktu tunda). Enter: kasus lewat batas unit itu.",
        "Rank (units with ≥{min} cases): % followed up ≤5 WD, then % followed up, then median "
        "WD (medians, hold time excluded). Enter: that unit's overdue cases.",
    ),
    "dashboard.charts_hint": (
        "g: grafik per minggu dan waktu sampai tindak lanjut",
        "g: charts per week and time to follow-up",
    ),
    "dashboard.no_unit": ("Pilih baris unit dulu.", "Choose a unit row first."),
    "binding.dashboard": ("Dasbor", "Dashboard"),  # the inbox's key that opens the dashboard
    "binding.dash_month": ("Bulan ini", "This month"),
    "binding.dash_last_month": ("Bulan lalu", "Last month"),
    "binding.dash_quarter": ("Kuartal", "Quarter"),
    "binding.dash_year": ("Tahun", "Year"),
    "binding.dash_custom": ("Rentang…", "Range…"),
    "binding.dash_open": ("Buka lewat batas", "Open overdue"),
    "binding.dash_charts": ("Grafik", "Charts"),
    "dashboard.custom_prompt": (
        "Periode: 2026-11, 2026-Q4, 2026 atau 2026-10-01..2026-10-15",
        "Period: 2026-11, 2026-Q4, 2026 or 2026-10-01..2026-10-15",
    ),
}
TEXTS.update({f"report.col.{key}": (indonesian, english) for key, indonesian, english in COLUMNS})

extend(TEXTS)
