"""The case screen's attachments: listed with size, type and where the file is; `f` opens the
highlighted one with the system's viewer (or says where it is), `L` attaches a file by path."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from desk import attachments, viewer
from tests.conftest import ADMIN, PIMPINAN, case_in
from tests.test_tui_case import DeskTestApp, case_keys, office, rendered, settle, write

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 2000
PDF = b"%PDF-1.4\n" + b"d" * 100


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


def listing(app: DeskTestApp) -> str:
    return rendered(app.screen.query_one("#attachment-list", OptionList))


async def test_the_list_shows_each_file_and_f_opens_the_highlighted_one(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    (tmp_path / "jalan.png").write_bytes(PNG)
    (tmp_path / "surat.pdf").write_bytes(PDF)
    attachments.attach(database, ADMIN, case["id"], tmp_path / "jalan.png")
    second = attachments.attach(database, ADMIN, case["id"], tmp_path / "surat.pdf")
    database.execute("DELETE FROM sync_state")  # both sent: a missing file is fetched later
    database.conn.commit()
    attachments.stored_path(attachments.store_root(database), second.stored.sha256).unlink()
    database.conn.close()
    opened: list[list[str]] = []
    monkeypatch.setattr(viewer, "viewer_command", lambda p: ["true", str(p)])
    monkeypatch.setattr(
        "desk.viewer.subprocess.Popen", lambda command, **kw: opened.append(command)
    )

    app = DeskTestApp(path, ADMIN, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        text = listing(app)
        assert "jalan.png  2,0 KB · PNG · ada" in text
        assert "surat.pdf  109 B · PDF · menunggu unduhan" in text
        assert "f" in case_keys(app.screen) and "L" in case_keys(app.screen)
        app.screen.query_one("#attachment-list", OptionList).highlighted = 0
        await pilot.press("f")
        await settle(app)
        assert len(opened) == 1
        assert Path(opened[0][1]).read_bytes() == PNG
        # The second is not here: it is not opened, and the officer is told why. (Enter on
        # the list does what `f` does.)
        listing_widget = app.screen.query_one("#attachment-list", OptionList)
        listing_widget.focus()
        listing_widget.highlighted = 1
        await pilot.press("enter")
        await settle(app)
        assert len(opened) == 1
        assert any("belum diunduh" in str(n.message) for n in app._notifications)


async def test_without_a_viewer_the_officer_is_told_where_the_file_is(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = office(path)
    case = case_in(database, "baru")
    (tmp_path / "jalan.png").write_bytes(PNG)
    done = attachments.attach(database, ADMIN, case["id"], tmp_path / "jalan.png")
    database.conn.close()
    monkeypatch.setattr(viewer, "viewer_command", lambda p: None)
    app = DeskTestApp(path, ADMIN, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("f")
        await settle(app)
        messages = [str(n.message) for n in app._notifications]
        assert any("Tidak ada penampil" in m and done.stored.sha256[2:] in m for m in messages)


async def test_l_attaches_a_file_by_path_and_a_refusal_keeps_the_dialog(
    path: Path, tmp_path: Path
) -> None:
    database = office(path)
    case = case_in(database, "baru")
    database.conn.close()
    (tmp_path / "bukan.png").write_bytes(b"MZ" + b"\0" * 50)
    (tmp_path / "jalan.png").write_bytes(PNG)
    app = DeskTestApp(path, ADMIN, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        assert "f" not in case_keys(app.screen)  # nothing to open yet
        await pilot.press("L")
        write(app, str(tmp_path / "bukan.png"))
        await pilot.press("enter")
        await settle(app)
        assert "Jenis berkas tidak diterima" in rendered(app.screen.query_one("#dialog-error"))
        field = app.focused
        assert isinstance(field, Input) and field.value == str(tmp_path / "bukan.png")
        field.clear()
        write(app, f"'{tmp_path / 'jalan.png'}'")
        await pilot.press("enter")
        await settle(app)
        assert "jalan.png  2,0 KB · PNG · menunggu unggah" in listing(app)


async def test_pimpinan_may_open_but_not_attach(path: Path, tmp_path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    (tmp_path / "jalan.png").write_bytes(PNG)
    attachments.attach(database, ADMIN, case["id"], tmp_path / "jalan.png")
    database.conn.close()
    app = DeskTestApp(path, PIMPINAN, case["id"])
    async with app.run_test(size=(120, 40)):
        await settle(app)
        keys = case_keys(app.screen)
        assert "f" in keys and "L" not in keys
