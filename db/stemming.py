"""Indonesian stemming for full-text search.

FTS5 cannot call a Python tokenizer, so text is stemmed before it reaches the index: the
`desk_stem()` SQL function (registered on every connection) turns "Jalan diperbaiki" into
"jalan baik", and the same function stems the words of a search. Each distinct word is
stemmed once and remembered, because the pure-Python Snowball stemmer is slow (~120k words/s)
while complaint text repeats the same few thousand words.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import snowballstemmer

# Letters and digits, as FTS5's unicode61 tokenizer sees them (underscore separates words there).
WORD = re.compile(r"[^\W_]+")

_local = threading.local()  # a Snowball stemmer keeps state while it works: one per thread
_cache: dict[str, str] = {}
_CACHE_LIMIT = 500_000


def _stemmer() -> snowballstemmer.stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        # Imported on the first word stemmed, not with the module: every connection registers
        # desk_stem(), and a command that only reads never calls it (snowballstemmer: ~12 ms).
        import snowballstemmer

        stemmer = _local.stemmer = snowballstemmer.stemmer("indonesian")
    return stemmer


def stem_word(word: str) -> str:
    """The stem of one lower-case word; cached."""
    stem = _cache.get(word)
    if stem is None:
        stem = _stemmer().stemWord(word)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[word] = stem
    return stem


def stem_words(text: str) -> list[str]:
    """The stems of every word in `text`, in order."""
    cache = _cache
    stems = []
    for word in WORD.findall(text.lower()):
        stem = cache.get(word)
        stems.append(stem if stem is not None else stem_word(word))
    return stems


def stem_text(text: str | None) -> str:
    """`text` reduced to its stems, separated by spaces: what the search index stores."""
    if not text:
        return ""
    return " ".join(stem_words(text))


def match_expression(words: str) -> str | None:
    """An FTS5 MATCH expression finding every word of `words` (any form of it), or None if empty.

    Each word is stemmed like the indexed text and quoted, so user input can never be read as
    FTS5 syntax; a word typed with a trailing `*` matches as a prefix.
    """
    terms = []
    for raw in words.split():
        prefix = raw.endswith("*")
        for stem in stem_words(raw):
            terms.append(f'"{stem}"*' if prefix else f'"{stem}"')
    return " ".join(terms) or None
