"""The command tree, loaded lazily, and help in the interface's language.

`desk --help` imports no command module: the commands and their short help come from the
tables below. A command's module is imported only when that command runs or its help is shown
(`desk case show` never imports the sync client, the importer or the report). A group that
mounts commands from other modules (`desk case new`, `desk case attach`) lists them the same
way (`LazyGroup.lazy`).

Language: the root group reads `--lang` (or `$DESK_LANG`) from the arguments before it parses
anything or imports any command module (`LazyGroup.parse_args`), so help texts written as
`help=t("key")` at a module's import come out in the chosen language. Every help text is also
looked up again in the catalog when a command is resolved (`retranslate`): a module imported
earlier in the same process (tests) still shows its help in the current language.

How a command module writes its help: register a `TEXTS` dict with `extend` at the top of the
module, before any command, with keys under "help." (`"help.case.list.view": (indonesian,
english)`), and pass `help=t("help....")` to `typer.Option`/`typer.Argument` and to
`@app.command(...)` (a command's docstring stays for the reader of the code). The short help a
group shows for a lazily loaded command is its entry's key in `TOP_LEVEL` or `LazyGroup.lazy`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import os
from collections.abc import Sequence
from typing import Any, ClassVar

import typer
from typer import _click
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_command_name, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from desk.i18n import CATALOG, LANGUAGES, extend, set_language, t

# A command loaded on demand: (module, attribute: a Typer sub-app or a command function, the
# catalog key of its short help).
Lazy = tuple[str, str, str]

extend(
    {
        "help.desk": (
            "desk: menangani pengaduan SP4N-LAPOR! dari terminal, daring maupun luring.",
            "desk: work SP4N-LAPOR! complaints from the terminal, online or off.",
        ),
        "help.case": (
            "Daftar, baca, dan tindak lanjuti kasus (kata kerja desk, untuk skrip).",
            "List, read and act on cases (the desk's verbs, for scripts).",
        ),
        "help.central": (
            "Server pusat rujukan tempat desk lapangan sinkron.",
            "The reference central server that field desks sync with.",
        ),
        "help.db": (
            "Periksa, cadangkan, dan pulihkan basis data.",
            "Inspect, back up and restore the database.",
        ),
        "help.officer": (
            "Petugas yang dapat memakai basis data ini.",
            "The officers who can use this database.",
        ),
        "help.unit": (
            "Unit (OPD) tujuan disposisi kasus.",
            "The units (OPD) cases are disposed to.",
        ),
        "help.holidays": (
            "Kalender hari kerja: libur nasional dan libur daerah.",
            "Working-day calendar: national and regional holidays.",
        ),
        "help.audit": (
            "Log audit yang hanya bisa ditambah dan dirantai hash.",
            "The append-only, hash-chained audit log.",
        ),
        "help.remote": (
            "Server pusat tempat desk ini sinkron.",
            "The central server this desk syncs with.",
        ),
        "help.sync": (
            "Sinkron dengan server pusat: kirim antrean keluar, ambil perubahan.",
            "Sync with the central server: send the outbox, fetch the changes.",
        ),
        "help.seed": (
            "Tambahkan kasus contoh yang realistis dan tetap (dengan unit dan petugas) ke basis "
            "data, membuatnya bila belum ada.\n\nBasis data yang sudah punya petugas hanya "
            "diisi oleh admin yang masuk (--as).",
            "Add deterministic, realistic cases (with units and officers) to a database, "
            "creating it.\n\nA database that already has officers is seeded only by an admin "
            "who signs in (--as).",
        ),
        "help.import": (
            "Impor pengaduan dari berkas CSV/TSV, XLSX, JSON atau JSON Lines (khusus admin).",
            "Import complaints from CSV/TSV, XLSX, JSON or JSON Lines files (admins only).",
        ),
        "help.export": (
            "Ekspor kasus ke CSV, XLSX, JSON Lines atau JSON (data pribadi disamarkan kecuali "
            "diminta).",
            "Export cases to CSV, XLSX, JSON Lines or JSON (personal data masked unless asked).",
        ),
        "help.report": (
            "Kinerja unit dalam suatu periode: diterima, diverifikasi dan ditindaklanjuti tepat "
            "waktu, peringkat.",
            "Unit performance for a period: received, verified and followed up on time, ranking.",
        ),
        "help.demo": (
            "Buka desk pada basis data demo berisi sekitar 5.000 kasus (dibuat saat pertama).",
            "Open the desk on a demo database of about 5,000 cases (created the first time).",
        ),
        # What Click and Typer print around the help texts.
        "help.click.usage": ("Cara pakai: ", "Usage: "),
        "help.click.options": ("Opsi", "Options"),
        "help.click.arguments": ("Argumen", "Arguments"),
        "help.click.commands": ("Perintah", "Commands"),
        "help.click.help": ("Tampilkan bantuan ini lalu keluar.", "Show this message and exit."),
        "help.click.default": ("bawaan: {default}", "default: {default}"),
        "help.click.required": ("wajib", "required"),
        "help.click.env": ("variabel lingkungan: {var}", "env var: {var}"),
        "help.click.install_completion": (
            "Pasang pelengkapan perintah untuk shell ini.",
            "Install completion for the current shell.",
        ),
        "help.click.show_completion": (
            "Tampilkan pelengkapan perintah untuk shell ini, untuk disalin atau disesuaikan.",
            "Show completion for the current shell, to copy it or customize the installation.",
        ),
    }
)

# `desk`'s commands, in the order `desk --help` lists them.
TOP_LEVEL: dict[str, Lazy] = {
    "case": ("desk.cli.case_cmd", "app", "help.case"),
    "officer": ("desk.cli.officer_cmd", "officer_app", "help.officer"),
    "unit": ("desk.cli.officer_cmd", "unit_app", "help.unit"),
    "import": ("desk.cli.import_cmd", "import_command", "help.import"),
    "export": ("desk.cli.export_cmd", "export_command", "help.export"),
    "report": ("desk.cli.report_cmd", "report_command", "help.report"),
    "sync": ("desk.cli.sync_verify_cmd", "sync_app", "help.sync"),  # sync_cmd + `sync verify`
    "remote": ("desk.cli.sync_cmd", "remote_app", "help.remote"),
    "db": ("desk.cli.db_cmd", "app", "help.db"),
    "audit": ("desk.cli.audit_cmd", "app", "help.audit"),
    "holidays": ("desk.cli.holidays_cmd", "app", "help.holidays"),
    "seed": ("desk.cli.seed_cmd", "seed", "help.seed"),
    "central": ("desk.cli.central_cmd", "app", "help.central"),
}


# -- the language, before anything is parsed ---------------------------------------------------

_ROOT_VALUE_OPTIONS = ("--db", "--as", "--lang")


def language_in(args: Sequence[str]) -> str | None:
    """The `--lang` given before the command's name (`--lang en`, `--lang=en`), else
    `$DESK_LANG`; None when neither names a language desk speaks."""
    chosen: str | None = None
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
        elif arg in _ROOT_VALUE_OPTIONS:
            if arg == "--lang" and index + 1 < len(args):
                chosen = args[index + 1]
            index += 1
        elif not arg.startswith("-"):
            break  # the command's name: what follows is the command's
        index += 1
    if chosen is None:
        chosen = os.environ.get("DESK_LANG")
    return chosen if chosen in LANGUAGES else None


# -- help texts in the current language ----------------------------------------------------------

_index: dict[str, str] = {}
_indexed = 0


def _key_of(text: str) -> str | None:
    """The catalog key whose Indonesian or English text is `text`."""
    global _indexed
    if _indexed != len(CATALOG):
        _index.clear()
        for key, pair in CATALOG.items():
            for version in pair:
                _index.setdefault(inspect.cleandoc(version), key)
        _indexed = len(CATALOG)
    return _index.get(inspect.cleandoc(text))


# Help texts made with values (`help_text`), by what they read: their key and values.
_made: dict[str, tuple[str, dict[str, object]]] = {}


def help_text(key: str, /, **values: object) -> str:
    """`t(key, **values)` for a help text with values: `retranslate` can render it again."""
    text = t(key, **values)
    _made[inspect.cleandoc(text)] = (key, values)
    return text


def again(text: str | None) -> str | None:
    """`text` (a catalog text in either language) in the current language."""
    if not text:
        return text
    made = _made.get(inspect.cleandoc(text))
    if made is not None:
        return help_text(made[0], **made[1])
    key = _key_of(text)
    return t(key) if key is not None else text


def retranslate(command: _click.Command) -> None:
    """Every help text of `command`, its parameters and subcommands, in the current language."""
    command.help = again(command.help)
    command.short_help = again(command.short_help)
    for param in command.params:
        if hasattr(param, "help"):
            param.help = again(param.help)
    for sub in getattr(command, "commands", {}).values():
        retranslate(sub)


class DeskHelpFormatter(_click.HelpFormatter):
    """Click's help layout with its own words ("Usage:") in the interface's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, t("help.click.usage") if prefix is None else prefix)

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        english = CATALOG["help.click.help"][1]
        shown = [(term, t("help.click.help") if text == english else text) for term, text in rows]
        super().write_dl(shown, *args, **kwargs)


_CLICK_WORDS = {
    "Options": "help.click.options",
    "Arguments": "help.click.arguments",
    "Commands": "help.click.commands",
    "default: {default}": "help.click.default",
    "required": "help.click.required",
    "env var: {var}": "help.click.env",
}


def _click_word(text: str) -> str:
    key = _CLICK_WORDS.get(text)
    return t(key) if key is not None else text


def speak_help_language() -> None:
    """Click's and Typer's own help words in the interface's language (this process only)."""
    import typer.core

    _click.core.Context.formatter_class = DeskHelpFormatter
    # Typer's gettext for section titles and defaults ("Options", "default: 50")
    setattr(typer.core, "_", _click_word)  # noqa: B010


# -- commands loaded on demand ------------------------------------------------------------------


def load(name: str, entry: Lazy) -> _click.Command:
    """The Click command `name` made from its module's Typer app or function."""
    module, attribute, help_key = entry
    target = getattr(importlib.import_module(module), attribute)
    command: _click.Command
    if isinstance(target, typer.Typer):
        command = _subgroup(target, name, t(help_key))
    else:
        info = CommandInfo(name=name, callback=target, help=t(help_key))
        command = get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)
    command.name = name
    return command


def _subgroup(app: typer.Typer, name: str, help_text: str) -> LazyGroup:
    """A group of `app`'s commands, each turned into a Click command only when it is resolved.

    Typer turns every command of a group into Click at once, reading each function's signature
    (~1 ms a command): `desk case show` would pay for the sixteen verbs of `desk case`."""
    shell = copy.copy(app)
    shell.registered_commands = []
    cls = app.info.cls if isinstance(app.info.cls, type) else LazyGroup
    group = get_group_from_info(
        TyperInfo(shell, name=name, help=help_text, cls=cls),
        pretty_exceptions_short=True,
        rich_markup_mode=None,
        suggest_commands=True,
    )
    assert isinstance(group, LazyGroup), f"{name}: its Typer app's cls must be a LazyGroup"
    group.pending = {
        info.name or get_command_name(info.callback.__name__): info
        for info in app.registered_commands
        if info.callback is not None
    }
    return group


class LazyGroup(TyperGroup):
    """A group whose commands are made when one is run or its help shown: those in `lazy` are
    imported from their modules, those in `pending` turned from Typer into Click."""

    lazy: ClassVar[dict[str, Lazy]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending: dict[str, CommandInfo] = {}

    def list_commands(self, ctx: _click.Context) -> list[str]:
        made = [
            name for name in self.commands if name not in self.lazy and name not in self.pending
        ]
        return list(self.pending) + made + list(self.lazy)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in self.pending:
            command = get_command_from_info(
                self.pending[cmd_name], pretty_exceptions_short=True, rich_markup_mode=None
            )
            self.commands[cmd_name] = command
        elif command is None and cmd_name in self.lazy:
            command = load(cmd_name, self.lazy[cmd_name])
            self.commands[cmd_name] = command
        if command is not None:
            retranslate(command)
        return command

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """The list of commands with their short help, without importing their modules."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        rows: list[tuple[str, str]] = []
        for name in names:
            if name in self.lazy and name not in self.commands:
                rows.append((name, make_default_short_help(t(self.lazy[name][2]), limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section(_click_word("Commands")):
                formatter.write_dl(rows)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except _click.exceptions.UsageError as error:
            from difflib import get_close_matches

            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                suggestions = ", ".join(repr(match) for match in matches)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise


class RootGroup(LazyGroup):
    """`desk` itself: the language is set from the arguments before anything else."""

    lazy = TOP_LEVEL

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        # Indonesian unless asked otherwise; a wrong --lang is refused by the callback, later.
        set_language(language_in(args) or "id")
        speak_help_language()
        retranslate_own(self)
        return super().parse_args(ctx, args)


def retranslate_own(group: _click.Command) -> None:
    """The root's own help and options (its commands are retranslated as they are resolved)."""
    group.help = again(group.help)
    for param in group.params:
        if hasattr(param, "help"):
            param.help = again(param.help)
