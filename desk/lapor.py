"""SP4N-LAPOR!'s own reference data: its category tree and the channels reports arrive by.

A module of its own, light to import: the inbox (search values), intake and import read it, and
none of them should pay for the demo-data generator (desk.seed stems thousands of text fragments
when it is imported).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

# The channels of LAPOR! reports (the web, apps, messaging) and of the office's own counter.
CHANNEL_NAMES = (
    "web",
    "android",
    "ios",
    "whatsapp",
    "sms",
    "twitter",
    "loket",
    "telepon",
    "surat",
    "email",
)

# How exports and officers write the channels (imports and `kanal:` searches read them alike).
CHANNEL_ALIASES = {
    "website": "web",
    "web": "web",
    "situs": "web",
    "lapor go id": "web",
    "sms": "sms",
    "sms 1708": "sms",
    "android": "android",
    "ios": "ios",
    "iphone": "ios",
    "whatsapp": "whatsapp",
    "wa": "whatsapp",
    "twitter": "twitter",
    "x": "twitter",
    "loket": "loket",
    "tatap muka": "loket",
    "langsung": "loket",
    "telepon": "telepon",
    "telp": "telepon",
    "phone": "telepon",
    "surat": "surat",
    "letter": "surat",
    "email": "email",
    "e mail": "email",
}


@lru_cache(maxsize=4096)  # the same few labels on every imported row
def parse_channel(text: str) -> str:
    """A channel code from the way exports and officers write it ("WA", "Website", "SMS
    1708"); an unknown channel is kept as written (lower case)."""
    key = " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
    return CHANNEL_ALIASES.get(key, text.strip().lower())


def load_categories() -> dict[str, tuple[str, ...]]:
    """The LAPOR! category tree (main -> subs), names with their whitespace normalised.

    The file copies lapor.go.id, where some names carry no-break spaces; officers type ordinary
    spaces when they filter, so seeded cases store the names with ordinary spaces.
    """
    name = "lapor_categories.json"
    try:
        text = resources.files("desk.data").joinpath(name).read_text("utf-8")
    except (OSError, ModuleNotFoundError):
        # desk.data has no __init__.py: as a namespace package under an editable install its
        # path can hold a non-directory entry that importlib.resources refuses.
        text = (Path(__file__).parent / "data" / name).read_text("utf-8")
    tree: dict[str, list[str]] = json.loads(text)["categories"]
    return {
        " ".join(main.split()): tuple(" ".join(sub.split()) for sub in subs)
        for main, subs in tree.items()
    }
