"""English says "1 case", not "1 cases" (issue 16, point 4); Indonesian has no plural to mind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import desk.exporting.texts
import desk.sync.texts
import desk.sync.verify_texts  # noqa: F401
import screens.inbox
import screens.intake  # noqa: F401
from desk.i18n import CATALOG, set_language, t


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("id")


def test_one_case_is_singular_and_two_are_plural() -> None:
    assert t("bulk.done", action="close", count="1") == "close: 1 case done."
    assert t("bulk.done", action="close", count="2") == "close: 2 cases done."
    assert t("bulk.confirm.unit", action="dispose", count="1", unit="DINKES") == (
        "dispose 1 case to DINKES?"
    )
    set_language("id")
    assert t("bulk.done", action="tutup", count="1") == "tutup: 1 kasus selesai."


def test_every_singular_form_has_its_plural_and_the_same_fields() -> None:
    singular = [key for key in CATALOG if key.endswith(".one")]
    assert len(singular) >= 10
    for key in singular:
        base = key.removesuffix(".one")
        assert base in CATALOG, key
        for one, many in zip(CATALOG[key], CATALOG[base], strict=True):
            fields = [part.split("}")[0] for part in one.split("{")[1:]]
            assert fields == [part.split("}")[0] for part in many.split("{")[1:]], key
        assert "{count} cases" not in CATALOG[key][1], key
