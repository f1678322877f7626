"""Key bindings in the officer's language."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from desk.i18n import CATALOG, current_language, t


def localize_bindings(node: DOMNode, labels: dict[str, str]) -> None:
    """Give `node`'s bindings their descriptions in the current language.

    BINDINGS are written in Indonesian at class definition, before the language is known;
    `labels` maps a binding id to its catalog key. Call from `__init__`.
    """
    if current_language() != "en":
        return
    by_key = node._bindings.key_to_bindings
    for key, bindings in by_key.items():
        by_key[key] = [
            replace(binding, description=t(labels[binding.id]))
            if binding.id in labels and labels[binding.id] in CATALOG
            else binding
            for binding in bindings
        ]
