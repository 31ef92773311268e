"""The page for people at /, as a browser shows it: served by the running app, readable on a phone and on a desktop,
with the privacy notice and the operator's contact; the "Add to Slack" button only in multi-workspace mode.

The screenshots come from headless Chromium (Debian's `chromium`; .ci/run installs it when missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from html.parser import HTMLParser

import pytest
from PIL import Image

from bot import page
from tests.conftest import POSTGRES_URL
from tests.http_app import wait_for_port
from tests.processes import APP, bot_env, free_port, running

CONTACT = "greenlight-ops@example.com"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Text(HTMLParser):
    """The page as a reader gets it: visible text, links and the viewport."""

    def __init__(self, html: str):
        super().__init__()
        self.text, self.links, self.meta, self._skip = [], {}, {}, 0
        self._href = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "script", "title"):
            self._skip += 1
        if tag == "script":
            raise AssertionError("the page carries a script")
        if tag == "a":
            self._href = attrs.get("href")
        if tag == "meta" and attrs.get("name"):
            self.meta[attrs["name"]] = attrs.get("content")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
            if self._href:
                self.links[data.strip()] = self._href

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture
def site(fake, tmp_path):
    """`python app.py` in HTTP mode with a contact set; yields its base URL."""
    port = free_port()
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'page.db'}",
        SLACK_SIGNING_SECRET="x",
        GREENLIGHT_SCHEDULER="off",
        PORT=str(port),
        GREENLIGHT_CONTACT=CONTACT,
    )
    log_path = tmp_path / "app.log"
    with running(APP, env, log_path=log_path) as process:
        wait_for_port(f"http://127.0.0.1:{port}/healthz", process, log_path)
        yield f"http://127.0.0.1:{port}"


def test_the_page_says_what_greenlight_is_what_it_stores_and_whom_to_ask(site):
    with urllib.request.urlopen(site + "/", timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
        html = response.read().decode()
    shown = Text(html)
    assert shown.meta["viewport"].startswith("width=device-width")
    assert "Greenlight is a Slack app that keeps approvals from stalling" in shown.words
    assert "What Greenlight stores" in shown.words and "How long" in shown.words and "How to delete it" in shown.words
    assert shown.links[CONTACT] == f"mailto:{CONTACT}"
    assert "Add to Slack" not in shown.words  # single-token mode: installed by its operator, not from here
    assert "/greenlight help" in shown.words


def test_multi_workspace_mode_offers_add_to_slack_and_escapes_the_contact():
    shown = Text(page.render("<b>ops</b> & co", install_url=page.ADD_TO_SLACK_PATH))
    assert shown.links["Add to Slack"] == "/slack/install"
    assert "<b>ops</b> & co" in shown.words  # shown as typed, not as markup
    assert (
        "mailto" not in page.render("https://example.com/contact")
        and Text(page.render("https://example.com/contact")).links["https://example.com/contact"]
        == "https://example.com/contact"
    )


def screenshot(url: str, path, width: int, height: int, profile) -> Image.Image:
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={path}",
            f"--window-size={width},{height}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    return Image.open(path)


@pytest.mark.skipif(
    not CHROMIUM and not POSTGRES_URL and not os.environ.get("CI"),
    reason="no chromium here (CI, which sets GREENLIGHT_TEST_POSTGRES_URL, installs it and runs this)",
)
@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])  # a phone, a laptop
def test_a_browser_renders_the_page(site, tmp_path, width, height):
    assert CHROMIUM, "chromium is missing: .ci/run installs it (apt-get install -y chromium)"
    image = screenshot(site + "/", tmp_path / "page.png", width, height, tmp_path / "profile")
    assert image.format == "PNG" and image.size == (width, height)
    image.load()  # the whole file decodes
    pixels = image.convert("RGB")
    colours = pixels.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    # Text was drawn: a good share of the pixels differ from the background.
    background = max(colours)[1]
    drawn = sum(count for count, colour in colours if colour != background)
    assert drawn > width * height * 0.05
    # The header's green mark is drawn; the purple of the "Add to Slack" button is absent in single-token mode.
    assert any(c[1] > 150 and c[0] < 80 and c[2] < 150 for _, c in colours)
    assert not any(max(abs(a - b) for a, b in zip(c, (0x4A, 0x15, 0x4B))) < 6 for _, c in colours)
