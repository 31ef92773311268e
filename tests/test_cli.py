"""The operator CLI: migrate and doctor, as an operator runs them."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.__main__ import main
from bot.doctor import REQUIRED_SCOPES
from storage.db import MIGRATIONS, alembic_config, make_engine

ROOT = Path(__file__).resolve().parent.parent
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def manifest_scopes() -> set[str]:
    text = (ROOT / "manifest.yml").read_text()
    block = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    return set(re.findall(r"^\s+- (\S+)$", block, re.MULTILINE))


def test_the_manifest_asks_for_exactly_the_scopes_doctor_checks():
    assert manifest_scopes() == REQUIRED_SCOPES


def operator_env(monkeypatch, fake, database: Path):
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": f"sqlite:///{database}",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(database.parent)  # no .env of the developer's is read


def test_migrate_then_doctor_all_well(monkeypatch, capsys, fake, tmp_path):
    fake.scopes = ",".join(sorted(REQUIRED_SCOPES))
    operator_env(monkeypatch, fake, tmp_path / "gl.db")
    assert main(["migrate"]) == 0
    assert "database is up to date" in capsys.readouterr().out
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "ok   token: bot UBOT in workspace Test (T1)"
    assert out[1].startswith("ok   scopes: ")
    assert out[2].startswith("ok   database: sqlite:///") and out[2].endswith(f"at revision {HEAD}")


def test_doctor_names_missing_scopes_and_an_unmigrated_database(monkeypatch, capsys, fake, tmp_path):
    fake.scopes = "commands,chat:write"
    operator_env(monkeypatch, fake, tmp_path / "gl.db")
    from bot.config import load_config
    from bot.doctor import doctor
    from bot.runtime import Greenlight

    gl = Greenlight(load_config(), engine=make_engine(f"sqlite:///{tmp_path / 'gl.db'}"))
    assert doctor(gl) == 1
    out = capsys.readouterr().out
    assert (
        "FAIL scopes: missing channels:history, channels:read, chat:write.public, files:write, groups:history, "
        "groups:read, im:history, im:write, mpim:history, mpim:write, usergroups:read, users:read"
    ) in out
    assert f"FAIL database: at revision None, code expects {HEAD}; run `python -m bot migrate`" in out


def test_doctor_with_a_revoked_token(monkeypatch, capsys, fake, tmp_path):
    operator_env(monkeypatch, fake, tmp_path / "gl.db")
    fake.fail_next("auth.test", error="token_revoked")
    assert main(["doctor"]) == 1
    assert "FAIL token: Slack said token_revoked" in capsys.readouterr().out


def test_doctor_and_migrate_on_a_database_with_the_tables_but_no_revision(monkeypatch, capsys, fake, tmp_path):
    fake.scopes = ",".join(sorted(REQUIRED_SCOPES))
    operator_env(monkeypatch, fake, tmp_path / "gl.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'gl.db'}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("ALTER TABLE workspaces DROP COLUMN summaries_done_for"))  # as the first 0001 built it

    from bot.config import load_config
    from bot.doctor import doctor
    from bot.runtime import Greenlight

    # doctor itself, as on PostgreSQL: `python -m bot doctor` migrates a SQLite database before checking it
    assert doctor(Greenlight(load_config(), engine=engine)) == 1
    assert (
        "FAIL database: has Greenlight's tables but no record of its revision; `python -m bot migrate` will "
        f"record it as 0001 and upgrade it to {HEAD}"
    ) in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "database is up to date" in capsys.readouterr().out
    assert main(["doctor"]) == 0
    assert capsys.readouterr().out.splitlines()[2].endswith(f"at revision {HEAD}")
