"""The user's settings, kept between runs in the platform's config folder (config.json).

Only preferences live here (language, the officer last used with each database); everything
about cases lives in the database.

Who is working is remembered per database, twice: the desk (TUI) remembers the officer it last
opened as (`desk --as NIP`, or the one picked in it), the commands remember the last `--as` given
to a command. A one-off `desk case verify ... --as NIP` therefore never changes who the desk
opens as next; a command with no `--as` of its own yet works as the desk's officer.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs


def config_path() -> Path:
    configured = os.environ.get("DESK_CONFIG")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir("desk", appauthor=False)) / "config.json"


@dataclass
class Config:
    lang: str | None = None
    # resolved db path → NIP: the desk's (TUI's) officer, and the commands' last `--as`
    last_officer: dict[str, str] = field(default_factory=dict)
    command_officer: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def key(database: Path) -> str:
        return str(database.expanduser().resolve())

    def officer_for(self, database: Path) -> str | None:
        """The officer the desk (TUI) last opened as on `database`."""
        return self.last_officer.get(self.key(database))

    def remember_officer(self, database: Path, nip: str) -> None:
        """The desk (TUI) opened as `nip` on `database`."""
        self.last_officer[self.key(database)] = nip

    def command_officer_for(self, database: Path) -> str | None:
        """The officer a command works as without `--as`: the last one a command was given,
        else the desk's."""
        return self.command_officer.get(self.key(database)) or self.officer_for(database)

    def remember_command_officer(self, database: Path, nip: str) -> None:
        """A command signed in with `--as nip` on `database` (the desk's officer is kept)."""
        self.command_officer[self.key(database)] = nip


def load_config() -> Config:
    """The saved settings; defaults when there are none or the file cannot be read."""
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Config()
    if not isinstance(data, dict):
        return Config()
    lang = data.get("lang")
    return Config(
        lang=lang if lang in ("id", "en") else None,
        last_officer=_officers(data.get("last_officer")),
        command_officer=_officers(data.get("command_officer")),
    )


def _officers(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def save_config(config: Config) -> None:
    """Write the settings atomically; a failure to save a preference is not worth an error."""
    path = config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(config), indent=2), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass
