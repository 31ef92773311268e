"""Which bot token speaks for which workspace, in multi-workspace (OAuth) mode.

Installations are kept by slack_sdk's SQLAlchemy installation store, in tables our migrations create. A workspace's
installation is its own, or its Enterprise Grid organisation's org-wide one (found by the enterprise id recorded on
the workspace). Tokens that expire are refreshed by the clock before they do, under a lock on the installation row,
so that of several clocks (or a request that finds a token about to expire) one calls oauth.v2.access with a refresh
token, which Slack honours once. Token expiry is real time, not the business clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import and_, desc, select, update

from bot.services import installs
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, Workspace

log = logging.getLogger(__name__)

CLOCK_ROTATES_WITHIN = timedelta(hours=2)  # the clock refreshes tokens that expire within this
REQUEST_ROTATES_WITHIN = timedelta(minutes=5)  # a request refreshes a token only if the clock has not (clock down)
STATE_SECONDS = 600  # how long the browser may take from /slack/install to /slack/oauth_redirect
ROTATION_TIMEOUT = 10  # seconds: oauth.v2.access is called holding the installation row's lock


def naive_utc(epoch_seconds: float) -> datetime:
    """How slack_sdk's store writes its datetimes: naive, in UTC."""
    return datetime.fromtimestamp(epoch_seconds, UTC).replace(tzinfo=None)


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store; every saved installation (an install, a re-install) is reported to `on_saved`."""

    def __init__(self, client_id: str, engine, on_saved: Callable[[Installation], None]):
        super().__init__(client_id=client_id, engine=engine)
        self.on_saved = on_saved

    def save(self, installation: Installation) -> None:
        super().save(installation)
        self.on_saved(installation)


class Installations:
    """The installation and state stores, the team → client lookup and token rotation."""

    def __init__(self, gl):
        config = gl.config
        self.gl = gl
        self.client_id = config.slack_client_id
        self.store = InstallationStore(config.slack_client_id, gl.engine, self._saved)
        self.state_store = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=gl.engine)
        self.rotator = TokenRotator(
            client_id=config.slack_client_id,
            client_secret=config.slack_client_secret,
            client=WebClient(base_url=config.slack_api_url, timeout=ROTATION_TIMEOUT),
        )

    def _saved(self, installation: Installation) -> None:
        where, tz = installs.Installed.of(installation), self.gl.config.timezone
        self.gl.act(lambda session, now: installs.installed(session, now, where, default_tz=tz))

    # ---- which installation speaks for a workspace ------------------------------------------------
    def find(self, team_id: str) -> Installation | None:
        """The workspace's latest installation: its own, or its organisation's org-wide one.

        Read in a read-only transaction of its own (not through the store, whose connections take SQLite's write
        lock): the sender asks while its own transaction holds that lock."""
        i = SLACK_INSTALLATIONS.c
        latest = (
            select(SLACK_INSTALLATIONS)
            .where(i.client_id == self.client_id, i.bot_token.is_not(None))
            .order_by(desc(i.installed_at))
            .limit(1)
        )
        with self.gl.reading() as session:
            enterprise_id = session.scalar(select(Workspace.enterprise_id).where(Workspace.team_id == team_id))
            row = (
                session.execute(latest.where(i.team_id == team_id, i.enterprise_id.is_not_distinct_from(enterprise_id)))
                .mappings()
                .first()
            )
            if row is None and enterprise_id:
                row = (
                    session.execute(
                        latest.where(
                            i.enterprise_id == enterprise_id, i.team_id.is_(None), i.is_enterprise_install.is_(True)
                        )
                    )
                    .mappings()
                    .first()
                )
        return SQLAlchemyInstallationStore.build_installation_entity(row) if row else None

    def bot_token(self, team_id: str) -> str | None:
        found = self.find(team_id)
        return found.bot_token if found else None

    # ---- token rotation ----------------------------------------------------------------------------
    def in_use(self, *, expiring_within: timedelta | None = None) -> list[dict]:
        """The latest installation of each workspace and organisation, as rows, leaving out those of uninstalled
        workspaces (an org-wide one once every workspace of it seen so far is uninstalled): their tokens were
        revoked with the app. With `expiring_within`, only those with a bot token that expires within it."""
        i, newer = SLACK_INSTALLATIONS.c, SLACK_INSTALLATIONS.alias("newer").c
        superseded = (
            select(newer.id)
            .where(
                newer.client_id == i.client_id,
                newer.enterprise_id.is_not_distinct_from(i.enterprise_id),
                newer.team_id.is_not_distinct_from(i.team_id),
                newer.installed_at > i.installed_at,
            )
            .exists()
        )
        query = select(SLACK_INSTALLATIONS).where(i.client_id == self.client_id, i.bot_token.is_not(None), ~superseded)
        if expiring_within is not None:
            query = query.where(
                i.bot_refresh_token.is_not(None),
                i.bot_token_expires_at < naive_utc(time.time() + expiring_within.total_seconds()),
            )
        with self.gl.reading() as session:
            rows = session.execute(query.order_by(i.enterprise_id, i.team_id)).mappings().all()
            gone = set(session.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))))
            organisations = session.execute(
                select(Workspace.enterprise_id, Workspace.team_id).where(Workspace.enterprise_id.is_not(None))
            ).all()

        def served(row) -> bool:
            if not row["is_enterprise_install"]:
                return row["team_id"] not in gone
            members = {t for e, t in organisations if e == row["enterprise_id"]}
            return not members or bool(members - gone)

        return [row for row in rows if served(row)]

    def active(self) -> list[tuple[str, str]]:
        """(who, bot token) of every installation in use: a workspace's, or an organisation's ("E… (org-wide)")."""
        return sorted(
            (f"{row['enterprise_id']} (org-wide)" if row["is_enterprise_install"] else row["team_id"], row["bot_token"])
            for row in self.in_use()
        )

    def rotate_expiring(self, within: timedelta = CLOCK_ROTATES_WITHIN) -> int:
        """Refresh every bot token that expires within `within` (the clock's sweep); returns how many were refreshed."""
        refreshed = 0
        for row in self.in_use(expiring_within=within):
            enterprise_id, team_id = row["enterprise_id"], row["team_id"]
            try:
                refreshed += self._rotate(enterprise_id, team_id, within)[1]
            except (SlackTokenRotationError, SlackApiError, OSError) as e:
                log.error("could not refresh the bot token of %s: %s", team_id or enterprise_id, e)
        return refreshed

    def rotate(self, enterprise_id: str | None, team_id: str | None, within: timedelta) -> Installation | None:
        """Refresh this installation's bot token if it expires within `within`; returns the installation as it now
        stands (refreshed here or by another process meanwhile), or None if another process holds it right now."""
        return self._rotate(enterprise_id, team_id, within)[0]

    def _rotate(
        self, enterprise_id: str | None, team_id: str | None, within: timedelta
    ) -> tuple[Installation | None, bool]:
        """rotate(), and whether this call spent the refresh token.

        The latest installation row is locked while Slack is asked (PostgreSQL: FOR UPDATE SKIP LOCKED, so a second
        clock skips it; SQLite: the write lock taken at BEGIN): one process spends the refresh token."""
        i = SLACK_INSTALLATIONS.c
        with self.gl.engine.begin() as conn:
            row = (
                conn.execute(
                    select(SLACK_INSTALLATIONS)
                    .where(
                        i.client_id == self.client_id,
                        i.enterprise_id.is_not_distinct_from(enterprise_id),
                        i.team_id.is_not_distinct_from(team_id),
                    )
                    .order_by(desc(i.installed_at))
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None, False
            current = SQLAlchemyInstallationStore.build_installation_entity(row)
            refreshed = self.rotator.perform_token_rotation(
                installation=current, minutes_before_expiration=int(within.total_seconds() // 60)
            )
            if refreshed is None:
                return current, False
            tokens = dict(
                bot_token=refreshed.bot_token,
                bot_refresh_token=refreshed.bot_refresh_token,
                bot_token_expires_at=naive_utc(refreshed.bot_token_expires_at),
            )
            conn.execute(update(SLACK_INSTALLATIONS).where(i.id == row["id"]).values(**tokens))
            b = SLACK_BOTS.c
            conn.execute(
                update(SLACK_BOTS)
                .where(
                    and_(
                        b.client_id == self.client_id,
                        b.enterprise_id.is_not_distinct_from(enterprise_id),
                        b.team_id.is_not_distinct_from(team_id),
                        b.installed_at == row["installed_at"],
                    )
                )
                .values(**tokens)
            )
        log.info("refreshed the bot token of %s", team_id or enterprise_id)
        return refreshed, True


class RotatingAuthorize(InstallationStoreAuthorize):
    """Bolt's authorize for installations, whose rare refresh of a token about to expire takes the same lock as the
    clock's (Bolt's own would call oauth.v2.access from every request process at once)."""

    def __init__(self, installations: Installations, *, logger):
        super().__init__(logger=logger, installation_store=installations.store)
        self.installations = installations

    def _rotate_and_save_tokens_if_necessary(self, installation: Installation | None) -> Installation | None:
        if installation is None or installation.bot_refresh_token is None:
            return None
        if (installation.bot_token_expires_at or 0) > time.time() + REQUEST_ROTATES_WITHIN.total_seconds():
            return None  # the usual case: no lock taken
        return self.installations.rotate(installation.enterprise_id, installation.team_id, REQUEST_ROTATES_WITHIN)
