"""Settings: each missing or malformed value stops start-up with one line naming it; SLACK_API_URL is honoured."""

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SLACK_API_DEFAULT, ConfigError, load_config
from bot.runtime import Greenlight
from storage.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s3cret"}
SETTINGS_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "DATABASE_URL",
    "SLACK_API_URL",
    "GREENLIGHT_TIMEZONE",
    "PORT",
    "LOG_LEVEL",
    "GREENLIGHT_SCHEDULER",
    "GREENLIGHT_ADMINS",
    "GREENLIGHT_HTTP_THREADS",
    "GREENLIGHT_ANSWER_PROCESSES",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_REDIRECT_URI",
    "GREENLIGHT_UNINSTALL_GRACE_DAYS",
)


def test_defaults():
    s = load_config(dict(GOOD))
    assert s.slack_bot_token == "xoxb-1-2-abc" and s.slack_signing_secret == "s3cret"
    assert s.slack_app_token is None and not s.socket_mode
    assert s.database_url == "sqlite:///greenlight.db"
    assert s.slack_api_url == SLACK_API_DEFAULT == "https://slack.com/api/"
    assert (s.timezone, s.port, s.log_level, s.scheduler, s.admins) == ("UTC", 3000, "INFO", True, frozenset())
    assert s.http_threads == 8


def test_every_setting_read():
    s = load_config(
        {
            **GOOD,
            "SLACK_APP_TOKEN": "xapp-1",
            "DATABASE_URL": "postgresql://u:p@db:5432/gl",
            "SLACK_API_URL": "https://api.slack-gov.com/api",
            "GREENLIGHT_TIMEZONE": "Asia/Tokyo",
            "PORT": "8080",
            "LOG_LEVEL": "debug",
            "GREENLIGHT_SCHEDULER": "OFF",
            "GREENLIGHT_ADMINS": "U1, U2,,",
            "GREENLIGHT_HTTP_THREADS": "16",
            "GREENLIGHT_ANSWER_PROCESSES": "0",
        }
    )
    assert s.socket_mode and s.slack_app_token == "xapp-1"
    assert s.database_url == "postgresql+psycopg://u:p@db:5432/gl"
    assert s.slack_api_url == "https://api.slack-gov.com/api/"
    assert (s.timezone, s.port, s.log_level, s.scheduler, s.admins) == (
        "Asia/Tokyo",
        8080,
        "DEBUG",
        False,
        frozenset({"U1", "U2"}),
    )
    assert s.http_threads == 16
    assert s.answer_processes == 0  # answered in the web process


def test_socket_mode_needs_no_signing_secret():
    assert load_config({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).socket_mode


@pytest.mark.parametrize(
    "url", ["postgres://u@h:5432/db", "postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"]
)
def test_postgres_urls_are_accepted_with_the_psycopg_driver(url):
    s = load_config({**GOOD, "DATABASE_URL": url})
    assert s.database_url == "postgresql+psycopg://u@h:5432/db"
    engine = make_engine(s.database_url)  # does not connect yet, but loads the driver
    assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


@pytest.mark.parametrize(
    "name, value",
    [
        ("SLACK_BOT_TOKEN", None),
        ("SLACK_BOT_TOKEN", "   "),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_SIGNING_SECRET", None),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("DATABASE_URL", "mysql://u@h/db"),
        ("DATABASE_URL", "greenlight.db"),
        ("SLACK_API_URL", "slack.example.com/api"),
        ("GREENLIGHT_TIMEZONE", "Mars/Olympus"),
        ("GREENLIGHT_TIMEZONE", "../../etc/passwd"),
        ("GREENLIGHT_TIMEZONE", "Europe"),
        ("PORT", "http"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("PORT", "-1"),
        ("PORT", "²"),
        ("LOG_LEVEL", "LOUD"),
        ("GREENLIGHT_SCHEDULER", "maybe"),
        ("GREENLIGHT_HTTP_THREADS", "0"),
        ("GREENLIGHT_HTTP_THREADS", "many"),
        ("GREENLIGHT_ANSWER_PROCESSES", "-1"),
        ("GREENLIGHT_ANSWER_PROCESSES", "33"),
    ],
)
def test_each_bad_setting_is_named_in_one_line(name, value):
    env = dict(GOOD)
    if value is None:
        env.pop(name)
    else:
        env[name] = value
    with pytest.raises(ConfigError) as exc:
        load_config(env)
    message = str(exc.value)
    assert message.startswith(name + " ") and "\n" not in message
    assert ("is not set" in message) if value is None or not value.strip() else ("malformed" in message)


def test_missing_token_points_to_the_readme():
    with pytest.raises(
        ConfigError, match=r"SLACK_BOT_TOKEN is not set: put it in .env or the environment \(see .*README"
    ):
        load_config({})


def test_settings_from_a_dotenv_file_in_the_working_folder(tmp_path, monkeypatch):
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=file-secret\nPORT=4000\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORT", "5000")  # the environment wins over .env
    s = load_config()
    assert (s.slack_bot_token, s.slack_signing_secret, s.port) == ("xoxb-from-file", "file-secret", 5000)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):  # load_dotenv put them in os.environ
        monkeypatch.delenv(name, raising=False)


def test_slack_api_url_is_honoured_by_every_client(db, fake):
    settings = load_config({**GOOD, "SLACK_API_URL": fake.url.rstrip("/")})
    assert settings.slack_api_url == fake.url
    gl = Greenlight(settings, engine=db)
    assert gl.client.base_url == gl.sender_client.base_url == fake.url
    gl.client.auth_test()
    gl.sender_client.auth_test()
    assert [c.token for c in fake.calls("auth.test")] == ["xoxb-1-2-abc"] * 2


def test_the_bolt_app_calls_slack_at_slack_api_url(db, fake):
    from bot.slack_app import build_app

    gl = Greenlight(load_config({**GOOD, "SLACK_API_URL": fake.url}), engine=db)
    app = build_app(gl, process_before_response=True)
    assert app.client.base_url == fake.url
    app.client.users_info(user="UALICE")
    assert len(fake.calls("users.info")) == 1


def run_app(cwd: Path, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python app.py` started from `cwd` with only the given environment."""
    env = {"PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py")], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_app_without_tokens_stops_with_one_clear_line(tmp_path):
    assert not (tmp_path / ".env").exists()
    result = run_app(tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert "SLACK_BOT_TOKEN" in lines[0] and "README" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "greenlight.db").exists()  # nothing was created


def test_app_with_a_malformed_dotenv_value_names_it(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=x\nGREENLIGHT_TIMEZONE=Berlin\n")
    result = run_app(tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [result.stderr.strip()] and "GREENLIGHT_TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr
