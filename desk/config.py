"""The user's settings, kept between runs in the platform's config folder (config.json).

Only preferences live here (language, the officer last used with each database); everything
about cases lives in the database.
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
    last_officer: dict[str, str] = field(default_factory=dict)  # resolved db path → NIP

    def officer_for(self, database: Path) -> str | None:
        return self.last_officer.get(str(database.expanduser().resolve()))

    def remember_officer(self, database: Path, nip: str) -> None:
        self.last_officer[str(database.expanduser().resolve())] = nip


def load_config() -> Config:
    """The saved settings; defaults when there are none or the file cannot be read."""
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Config()
    if not isinstance(data, dict):
        return Config()
    lang = data.get("lang")
    officers = data.get("last_officer")
    return Config(
        lang=lang if lang in ("id", "en") else None,
        last_officer={str(k): str(v) for k, v in officers.items()}
        if isinstance(officers, dict)
        else {},
    )


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
