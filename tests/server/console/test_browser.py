"""The console in a real browser: headless Chromium (Debian's package) driven by Playwright for Python.

Playwright rather than Selenium: its Python package talks to any Chromium through the DevTools protocol, so Debian's
``chromium`` is enough (no chromedriver whose version must match), and it reports console messages, page errors and
failed requests as events, which every test here turns into a failure. It never downloads a browser of its own:
``executable_path`` names the system's. Tests share one seeded server and one browser per module, each test on a
fresh page at 1280×800.

Set ``S3VECTORS_MOCK_SCREENSHOTS=DIR`` to also write the documentation's screenshots into DIR.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3vectors_mock import S3VectorsMock

from ..conftest import http_client
from ..test_cli import serving
from .seeding import ACCOUNT, HOSTILE_KEY, OTHER_ACCOUNT, seed_hostile, seed_movies, seed_text_index

sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright (the test extra)")
CHROMIUM = os.environ.get("S3VECTORS_MOCK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (apt-get install chromium)")

CONSOLE = "/_s3vectors-mock/"
PLOTS_PAGE = f"{CONSOLE}indexes/{ACCOUNT}/us-east-1/movies/plots"
CHUNKS_PAGE = f"{CONSOLE}indexes/{OTHER_ACCOUNT}/eu-west-1/docs/chunks"
WAIT = 10_000  # ms: generous for a loaded CI machine; a passing test waits far less


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    # Not started: the module's own mock only serves (each test's in-process clients are not its business).
    with S3VectorsMock().serve() as handle:
        seed_movies(handle.url)
        seed_hostile(handle.url)
        seed_text_index(handle.service)
        yield handle


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = sync_api.sync_playwright().start()
    try:
        # As root in CI (no sandbox) and in containers whose /dev/shm is small.
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()
    finally:
        playwright.stop()


class Page:
    """A browser page that records every console error, page error and failed request."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: self.problems.append(f"request failed: {request.url}"))
        page.on("response", self._response)
        page.on("dialog", lambda dialog: self.problems.append(f"dialog: {dialog.message}"))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page


@pytest.fixture
def page(browser: Any, server: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    watched = Page(context.new_page(), server.url)
    yield watched
    context.close()
    assert watched.problems == [], "the page reported problems"


def texts(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def test_overview_shows_every_account_region_bucket_and_index(page: Page) -> None:
    tab = page.open(CONSOLE)
    tab.wait_for_selector(".index-link", timeout=WAIT)
    body = tab.inner_text("main")
    for shown in (ACCOUNT, OTHER_ACCOUNT, "us-east-1", "eu-west-1", "movies", "docs", "hostile"):
        assert shown in body
    assert "plots" in texts(tab, ".index-link") and "chunks" in texts(tab, ".index-link")
    movies = tab.locator("section.bucket[data-bucket='movies']")
    assert movies.locator(".policy").inner_text() == "no policy"
    assert tab.locator("section.bucket[data-bucket='docs'] .policy").inner_text() == "policy attached"
    row = movies.locator("tr.index-row")
    assert [cell.strip() for cell in row.locator("td").all_inner_texts()][:7] == [
        "plots",
        "3",
        "cosine",
        "float32",
        row.locator("td").nth(4).inner_text(),  # the mode: the bucket's default
        "4",
        "SSE-S3",
    ]
    # Usable at 1280×800: nothing wider than the window.
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1280


def test_overview_updates_while_the_code_under_test_runs(page: Page, server: Any) -> None:
    tab = page.open(CONSOLE)
    tab.wait_for_selector(".index-link", timeout=WAIT)
    client = http_client(server.url)
    client.create_vector_bucket(vectorBucketName="appears-live")
    client.create_index(
        vectorBucketName="appears-live", indexName="grows", dataType="float32", dimension=2, distanceMetric="euclidean"
    )
    bucket = tab.locator("section.bucket[data-bucket='appears-live']")
    bucket.wait_for(timeout=WAIT)
    client.put_vectors(
        vectorBucketName="appears-live", indexName="grows", vectors=[{"key": "a", "data": {"float32": [1, 2]}}]
    )
    sync_api.expect(bucket.locator(".vector-count")).to_have_text("1", timeout=WAIT)
    client.delete_index(vectorBucketName="appears-live", indexName="grows")
    client.delete_vector_bucket(vectorBucketName="appears-live")
    bucket.wait_for(state="detached", timeout=WAIT)


def test_index_page_shows_configuration_and_vectors(page: Page) -> None:
    tab = page.open(CHUNKS_PAGE)
    tab.wait_for_selector(".vector-row", timeout=WAIT)
    assert tab.inner_text("h1") == "chunks"
    config = tab.inner_text("#config")
    for shown in ("euclidean", "body (en)", "team=search", "attached"):
        assert shown in config
    assert texts(tab, ".vector-row .key") == ["cat", "dog", "fox"]
    assert "[1, 0, 0, 0]" in texts(tab, ".vector-row .components")
    assert not tab.locator("#text-search").is_hidden()  # the index has a full-text key


def test_an_index_that_goes_away_and_comes_back(page: Page, server: Any) -> None:
    client = http_client(server.url)
    client.create_vector_bucket(vectorBucketName="comes-and-goes")
    tab = page.open(f"{CONSOLE}indexes/{ACCOUNT}/us-east-1/comes-and-goes/idx")
    notice = tab.locator("#gone")
    sync_api.expect(notice).to_contain_text("does not exist", timeout=WAIT)
    client.create_index(
        vectorBucketName="comes-and-goes", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    client.put_vectors(
        vectorBucketName="comes-and-goes", indexName="idx", vectors=[{"key": "back", "data": {"float32": [1, 0]}}]
    )
    tab.wait_for_selector(".vector-row", timeout=WAIT)
    assert notice.is_hidden() and texts(tab, ".vector-row .key") == ["back"]
    client.delete_index(vectorBucketName="comes-and-goes", indexName="idx")
    sync_api.expect(notice).to_be_visible(timeout=WAIT)


def test_stored_markup_is_shown_as_text(page: Page) -> None:
    tab = page.open(f"{CONSOLE}indexes/{ACCOUNT}/us-east-1/hostile/markup")
    tab.wait_for_selector(".vector-row", timeout=WAIT)
    assert HOSTILE_KEY in texts(tab, ".vector-row .key")
    assert "<b>bold</b><script>x()</script>" in tab.inner_text("#vectors")
    tab.locator(".vector-row", has_text="onerror").get_by_role("button", name="Query").click()
    tab.wait_for_selector(".hit-row", timeout=WAIT)
    assert "<i>k</i>: v" in tab.inner_text("#vectors")  # a metadata key is text too
    assert tab.locator("img").count() == 0 and tab.locator("main b", has_text="bold").count() == 0
    assert tab.locator("main i", has_text="k").count() == 0  # (the legend's swatches are empty <i>s)
    assert "pwned" not in tab.title()
    assert "k" * 1024 in texts(tab, ".hit-key")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1280  # a 1,024-character key wraps


def test_a_query_lists_its_hits_in_order_with_distances_and_draws_them(page: Page, server: Any) -> None:
    tab = page.open(PLOTS_PAGE)
    tab.wait_for_selector("#projection-map circle.point", timeout=WAIT)
    assert tab.locator("#projection-map circle.point").count() == 4
    tab.click("label[for=source-vector]")
    tab.fill("#query-vector", "0.15, 0.85, 0.25")
    tab.fill("#query-topk", "3")
    tab.click("#run-query")
    tab.wait_for_selector(".hit-row", timeout=WAIT)
    expected = http_client(server.url).query_vectors(
        vectorBucketName="movies",
        indexName="plots",
        queryVector={"float32": [0.15, 0.85, 0.25]},
        topK=3,
        returnDistance=True,
    )["vectors"]
    assert texts(tab, ".hit-key") == [hit["key"] for hit in expected] == ["amelie", "casablanca", "alien"]
    assert texts(tab, ".hit-distance") == [f"{hit['distance']:.6f}" for hit in expected]
    assert tab.locator("#projection-map circle.hit").count() == 3
    assert tab.locator("#projection-query").count() == 1
    assert "3 hits" in tab.inner_text("#results-note")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1280


def test_query_by_a_stored_key_from_the_table(page: Page) -> None:
    tab = page.open(PLOTS_PAGE)
    tab.locator(".vector-row", has_text="star-wars").get_by_role("button", name="Query").click()
    tab.wait_for_selector(".hit-row", timeout=WAIT)
    assert texts(tab, ".hit-key")[0] == "star-wars" and texts(tab, ".hit-distance")[0] == "0.000000"
    assert tab.input_value("#query-key") == "star-wars"


def test_a_bad_filter_shows_the_services_error(page: Page, server: Any) -> None:
    client = http_client(server.url)
    with pytest.raises(client.exceptions.ValidationException) as refused:
        client.query_vectors(
            vectorBucketName="movies",
            indexName="plots",
            topK=3,
            queryVector={"float32": [1, 0, 0]},
            filter={"plot": "gin"},
        )
    tab = page.open(PLOTS_PAGE)
    tab.wait_for_selector(".vector-row", timeout=WAIT)
    tab.fill("#query-key", "alien")
    tab.fill("#query-filter", '{"plot": "gin"}')
    tab.click("#run-query")
    error = tab.wait_for_selector("#query-error", timeout=WAIT)
    assert error.inner_text().splitlines() == ["ValidationException", refused.value.response["Error"]["Message"]]
    # Input that is not JSON at all is refused in the page, before any request.
    tab.fill("#query-filter", "{genre: scifi")
    tab.click("#run-query")
    sync_api.expect(tab.locator("#query-error")).to_contain_text("The filter is not valid JSON", timeout=WAIT)


def test_full_text_query(page: Page) -> None:
    tab = page.open(CHUNKS_PAGE)
    tab.wait_for_selector(".vector-row", timeout=WAIT)
    tab.click("label[for=source-vector]")
    tab.fill("#query-vector", "[0, 0, 1, 0]")
    tab.fill("#query-text", "quick")
    tab.click("#run-query")
    tab.wait_for_selector(".hit-row", timeout=WAIT)
    assert set(texts(tab, ".hit-key")) == {"cat", "fox", "dog"}
    assert texts(tab, ".hit-key")[0] == "cat"  # nearest and a text match: first by fused rank
    tab.fill("#query-vector", "")  # text alone: BM25 only, no distances
    tab.fill("#query-text", "lazy")
    tab.click("#run-query")
    sync_api.expect(tab.locator(".hit-key")).to_have_text(["dog"], timeout=WAIT)
    assert texts(tab, ".hit-distance") == ["—"]


def test_vectors_are_paged_and_filtered_by_prefix(page: Page, server: Any) -> None:
    client = http_client(server.url)
    client.create_vector_bucket(vectorBucketName="many")
    client.create_index(
        vectorBucketName="many", indexName="rows", dataType="float32", dimension=2, distanceMetric="euclidean"
    )
    vectors = [{"key": f"row-{n:02d}", "data": {"float32": [n, 1]}} for n in range(60)]
    client.put_vectors(vectorBucketName="many", indexName="rows", vectors=vectors)
    tab = page.open(f"{CONSOLE}indexes/{ACCOUNT}/us-east-1/many/rows")
    tab.wait_for_selector(".vector-row", timeout=WAIT)
    assert tab.inner_text("#page-range") == "1–25 of 60"
    tab.click("#page-next")
    sync_api.expect(tab.locator("#page-range")).to_have_text("26–50 of 60", timeout=WAIT)
    assert texts(tab, ".vector-row .key")[0] == "row-25"
    tab.fill("#prefix", "row-5")
    sync_api.expect(tab.locator("#page-range")).to_have_text("1–10 of 10", timeout=WAIT)


def test_call_log_newest_first_with_parameters_on_demand(page: Page, server: Any) -> None:
    client = http_client(server.url)
    client.create_vector_bucket(vectorBucketName="logged")
    client.create_index(
        vectorBucketName="logged", indexName="wide", dataType="float32", dimension=8, distanceMetric="cosine"
    )
    client.put_vectors(
        vectorBucketName="logged", indexName="wide", vectors=[{"key": "k", "data": {"float32": [0.5] * 8}}]
    )
    client.get_index(vectorBucketName="movies", indexName="plots")
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_index(vectorBucketName="movies", indexName="missing")
    tab = page.open(f"{CONSOLE}calls")
    tab.wait_for_selector("tr.call", timeout=WAIT)
    first, second = tab.locator("tr.call").nth(0), tab.locator("tr.call").nth(1)
    assert "GetIndex" in first.inner_text() and "NotFoundException" in first.inner_text()
    assert "GetIndex" in second.inner_text() and "success" in second.inner_text()
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", first.locator("td").nth(1).inner_text())
    first.click()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1280
    sync_api.expect(tab.locator("pre.params")).to_contain_text('"indexName": "missing"', timeout=WAIT)
    tab.fill("#operation-filter", "PutVectors")
    sync_api.expect(tab.locator("tr.call").first).to_contain_text("PutVectors", timeout=WAIT)
    tab.locator("tr.call").first.click()
    shown = tab.locator("pre.params")
    sync_api.expect(shown).to_contain_text('"count": 8', timeout=WAIT)  # 8 values, the first 4 shown
    assert '"wide"' in shown.inner_text() and shown.inner_text().count("0.5") == 4


def test_sigterm_stops_the_server_within_2s_with_a_console_open(browser: Any) -> None:
    with serving() as process:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            tab = context.new_page()
            tab.goto(process.url + CONSOLE)
            sync_api.expect(tab.locator("#live")).to_have_text("live", timeout=WAIT)
            started = time.monotonic()
            process.process.send_signal(signal.SIGTERM)
            assert process.process.wait(10) == 0
            stopped_after = time.monotonic() - started
            print(f"stopped {stopped_after:.2f} s after SIGTERM with a console tab open")
            assert stopped_after < 2.0
        finally:
            context.close()


@pytest.mark.skipif(not os.environ.get("S3VECTORS_MOCK_SCREENSHOTS"), reason="set S3VECTORS_MOCK_SCREENSHOTS=DIR")
def test_screenshots_for_the_docs(browser: Any) -> None:
    """docs/console-overview.png and docs/console-index.png: the quickstart's movies, and its query."""
    folder = Path(os.environ["S3VECTORS_MOCK_SCREENSHOTS"])
    with S3VectorsMock().serve() as quickstart:
        client = seed_movies(quickstart.url)
        client.query_vectors(
            vectorBucketName="movies", indexName="plots", queryVector={"float32": [0.15, 0.85, 0.25]}, topK=3
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
        tab = context.new_page()
        tab.goto(quickstart.url + CONSOLE)
        tab.wait_for_selector(".index-link", timeout=WAIT)
        tab.screenshot(path=str(folder / "console-overview.png"))
        tab.goto(quickstart.url + PLOTS_PAGE)
        tab.wait_for_selector(".vector-row", timeout=WAIT)
        tab.click("label[for=source-vector]")
        tab.fill("#query-vector", "[0.15, 0.85, 0.25]")
        tab.fill("#query-filter", '{"$and": [{"genre": "romance"}, {"year": {"$lt": 2000}}]}')
        tab.fill("#query-topk", "3")
        tab.click("#run-query")
        tab.wait_for_selector(".hit-row", timeout=WAIT)
        tab.screenshot(path=str(folder / "console-index.png"), full_page=True)
        context.close()
