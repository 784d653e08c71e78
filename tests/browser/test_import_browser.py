"""An admin uploads a CP932 file in the browser and reads the result."""

import pytest

from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_admin_uploads_members_and_sees_the_counts(live_server, login, data_dir, tmp_path):
    UserFactory(username="admin-b", roles=["admin"])
    page = login("admin-b")
    page.goto(f"{live_server.url}/imports/new/")
    page.select_option("#id_kind", "members")
    page.set_input_files("#id_file", str(data_dir / "members.csv"))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=取込完了")
    body = page.inner_text("#import-progress")
    assert "cp932" in body
    assert "400" in body
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)


def test_a_bad_file_shows_the_rejected_rows(live_server, login, tmp_path):
    UserFactory(username="admin-c", roles=["admin"])
    bad = tmp_path / "members.csv"
    bad.write_text(
        "member_no,name,name_kana,status\nSN1,佐藤,サトウ,active\nSN2,鈴木,スズキ,frozen\n",
        encoding="utf-8",
    )
    page = login("admin-c")
    page.goto(f"{live_server.url}/imports/new/")
    page.set_input_files("#id_file", str(bad))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=frozen")
    assert "status" in page.inner_text(".error-list")
