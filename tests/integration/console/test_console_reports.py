"""The daily report on the command centre and the HACCP export on the kitchen page.

Both files come from the API with the person's token (a link cannot carry it), so the
page fetches them and hands the browser a download: the test reads what was saved.
"""

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

WAIT_MS = 15_000


@pytest.fixture
def supervisor(browser: Browser, sign_in: Callable[[Page, str], None]) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, "sup_x")
    yield page
    context.close()


def test_daily_report_figures_and_downloads(
    supervisor: Page, console_api: Any, tmp_path: Path
) -> None:
    page = supervisor
    page.goto(f"{console_api.url}/console")
    page.wait_for_selector("#report-summary dt", timeout=WAIT_MS)
    summary = page.eval_on_selector(
        "#report-summary",
        "dl => Object.fromEntries([...dl.querySelectorAll('dt')].map("
        "dt => [dt.textContent, dt.nextElementSibling.textContent]))",
    )
    # The supervisor of district X: two kitchens (a, k00001) in the report's scope.
    assert summary["厨房数"] == "2"
    assert set(summary) >= {"未上报", "整改中", "逾期整改", "离线设备"}
    with page.expect_download() as got:
        page.click("#report-csv")
    path = tmp_path / "daily.csv"
    got.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel opens the Chinese right
    text = raw.decode("utf-8-sig")
    assert "明厨亮灶日报" in text or "日报" in text
    assert "厨房 B" not in text  # district Y is outside the supervisor's scope
    with page.expect_download() as got_pdf:
        page.click("#report-pdf")
    pdf = tmp_path / "daily.pdf"
    got_pdf.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_haccp_export_from_the_kitchen_page(
    supervisor: Page, console_api: Any, tmp_path: Path
) -> None:
    page = supervisor
    page.goto(f"{console_api.url}/console/kitchens/a")
    page.wait_for_selector("#haccp-form button", timeout=WAIT_MS)
    with page.expect_download() as got:
        page.click("#haccp-form button[type=submit]")
    path = tmp_path / "haccp.csv"
    got.value.save_as(path)
    assert got.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert rows and len(rows[0]) > 3  # a header of the HACCP columns
    assert page.text_content("#haccp-error") == ""
