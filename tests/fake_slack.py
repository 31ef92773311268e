"""Owns the fake Slack Web API: a real localhost HTTP server that records calls and answers Slack-shaped JSON.

Usage:
    fake = FakeSlack().start()
    client = WebClient(base_url=fake.url, token="xoxb-test")
    ...
    fake.wait_for("chat.postMessage")
    fake.stop()
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

JSON_KEYS = ("blocks", "view", "attachments", "metadata")
VIEW_METHODS = ("views.open", "views.push", "views.update", "views.publish")


@dataclass(frozen=True)
class Fault:
    """How the fake answers one call instead of succeeding: a status (429, 5xx, or 200 with ok:false
    `error`), or `late` seconds of silence after accepting the call (a posted message counts as posted)."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    late: float = 0.0


HISTORY_SCOPES = ("channels:history", "groups:history", "im:history", "mpim:history")
TRANSIENT_ERRORS = ("internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited")
TOKEN_ERRORS = ("invalid_auth", "token_revoked", "not_authed", "account_inactive")


@dataclass(frozen=True)
class Call:
    """One request the fake received (successful or scripted failure)."""

    method: str
    args: dict
    token: str | None
    at: float
    failed: bool = False


def _parse_args(query: str, content_type: str, body: bytes) -> dict:
    """Merge query string, form body and JSON body; decode JSON-text values of block-ish keys."""
    args: dict = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(query, keep_blank_values=True).items()}
    text = body.decode("utf-8", "replace") if body else ""
    if "json" in content_type or text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
            args.update(data if isinstance(data, dict) else {"_body": data})
        except ValueError:
            args["_body"] = text
    elif text:
        args.update({k: v[0] if len(v) == 1 else v for k, v in parse_qs(text, keep_blank_values=True).items()})
    for key in JSON_KEYS:
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError:
                pass
    return args


def _tz_info(tz: str) -> tuple[str, int]:
    """Return (label, offset seconds) for an IANA zone name, now."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return tz, 0
    return now.tzname() or tz, int(now.utcoffset().total_seconds())


class FakeSlack:
    """In-process fake of the Slack Web API served over real HTTP on 127.0.0.1."""

    def __init__(self, team_id="T1", bot_user_id="UBOT", scopes="commands,chat:write,im:write,users:read"):
        self.team_id, self.bot_user_id, self.scopes = team_id, bot_user_id, scopes
        self.users: dict[str, dict] = {}
        self.channels: dict[str, dict] = {}
        self.socket_url: str | None = None  # what apps.connections.open answers (a ws:// URL)
        self._calls: list[Call] = []
        self._scripted: dict[str, deque] = defaultdict(deque)
        self._delays: dict[str, deque] = defaultdict(deque)
        self.history: dict[str, list[dict]] = defaultdict(list)  # channel -> messages posted there, oldest first
        self.broken_token: str | None = None  # an auth error every call answers while set (break_token)
        self.faults = None  # fn(method, args, token) -> Fault | None: random failure mixes (fault suites)
        self._lock = threading.Lock()
        self._counter = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------
    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and release the port."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def _base(self) -> str:
        if not self._server:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """Web API base URL, e.g. http://127.0.0.1:PORT/api/ (for WebClient(base_url=...) / SLACK_API_URL)."""
        return f"{self._base}/api/"

    def response_url(self, name="r") -> str:
        """A response_url whose POSTs are recorded as method "response_url" with args["_name"] = name."""
        return f"{self._base}/response/{name}"

    # ---- fixtures --------------------------------------------------------
    def add_user(
        self,
        user_id,
        name=None,
        tz="Europe/Berlin",
        is_bot=False,
        deleted=False,
        is_admin=False,
        is_owner=False,
        is_restricted=False,
        is_ultra_restricted=False,
        locale="en-US",
    ) -> None:
        """Register a user answered by users.info (a guest is restricted: multi-channel, or ultra: single-channel);
        their `locale` is in the answer only when asked for with include_locale, as Slack does."""
        self.users[user_id] = dict(
            id=user_id,
            name=name or user_id.lower(),
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            is_owner=is_owner,
            is_restricted=is_restricted,
            is_ultra_restricted=is_ultra_restricted,
            locale=locale,
            status_text="",
            status_emoji="",
            status_expiration=0,
        )

    def set_status(self, user_id, text="", emoji="", expiration=0) -> None:
        """The person's Slack status, as users.info reports it in the profile (expiration: a Unix time, 0 for none)."""
        self.users[user_id].update(status_text=text, status_emoji=emoji, status_expiration=int(expiration))

    def add_channel(self, channel_id, name=None, is_member=True) -> None:
        """Register a channel answered by conversations.info (is_member=False makes posts fail)."""
        self.channels[channel_id] = dict(id=channel_id, name=name or channel_id.lower(), is_member=is_member)

    def fail_next(self, method, *, status=200, error=None, retry_after=None, times=1) -> None:
        """Queue `times` scripted failures for `method` (429 + Retry-After, 5xx plain body, or 200 ok=false)."""
        with self._lock:
            self._scripted[method].extend([(status, error, retry_after)] * times)

    def delay_next(self, method, seconds: float, *, times=1) -> None:
        """Hold the next `times` requests of `method` open for `seconds` before answering.

        The call is recorded and answered (a message counts as posted) when it arrives; only the
        answer is late, which lets a test kill the client while it waits."""
        with self._lock:
            self._delays[method].extend([seconds] * times)

    def grant(self, *scopes: str) -> None:
        """Add scopes to the bot token (what auth.test reports and the history methods require)."""
        self.scopes = ",".join([*self.scopes.split(","), *scopes])

    def break_token(self, error: str = "invalid_auth") -> None:
        """Refuse the bot's token from now on: every call answers 200 ok:false `error`, auth.test included."""
        self.broken_token = error

    def fix_token(self) -> None:
        self.broken_token = None

    # ---- inspection ------------------------------------------------------
    def calls(self, method=None) -> list[Call]:
        """Recorded calls in arrival order, optionally only those of `method`."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget recorded calls (users, channels and scripted failures stay)."""
        with self._lock:
            self._calls.clear()

    def wait_for(self, method, count=1, timeout=10.0) -> list[Call]:
        """Poll until `count` successful calls of `method` were recorded; return them or raise AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls(method) if not c.failed]
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                seen = sorted({c.method for c in self.calls()})
                raise AssertionError(
                    f"expected {count} successful {method} call(s), got {len(found)} "
                    f"within {timeout}s; methods seen: {seen}"
                )
            time.sleep(0.01)

    # ---- request handling (called from server threads) -------------------
    def _next_ts(self) -> str:
        with self._lock:
            self._counter += 1
            n = 100 * self._counter
        return f"{1700000000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def posted(self, channel: str | None = None) -> list[dict]:
        """Messages Slack stored (what people can read), oldest first, of one conversation or all."""
        with self._lock:
            if channel:
                return list(self.history.get(channel, []))
            return sorted((m for ms in self.history.values() for m in ms), key=lambda m: float(m["ts"]))

    def _handle(self, method: str, args: dict, token: str | None) -> tuple[int, dict, bytes]:
        """Record the call and return (status, extra headers, body)."""
        fault = None
        with self._lock:
            script = self._scripted[method].popleft() if self._scripted.get(method) else None
            if script is None and self.broken_token and method != "response_url":
                script = (200, self.broken_token, None)
            if script is None and self.faults:
                fault = self.faults(method, args, token)
                if fault and not fault.late:
                    script = (fault.status, fault.error, fault.retry_after)
            self._calls.append(Call(method, args, token, time.time(), failed=script is not None))
        if script:
            status, error, retry_after = script
            if status == 429:
                headers = {"Retry-After": str(retry_after if retry_after is not None else 1)}
                return 429, headers, json.dumps({"ok": False, "error": error or "ratelimited"}).encode()
            if status >= 300:
                return status, {"Content-Type": "text/plain"}, (error or "Internal Server Error").encode()
            return status, {}, json.dumps({"ok": False, "error": error or "internal_error"}).encode()
        headers: dict = {}
        body = self._oauth_answer(method, args, token, headers) or self._answer(
            method, args, headers
        )  # OAuth block below
        with self._lock:
            delay = self._delays[method].popleft() if self._delays.get(method) else (fault.late if fault else 0)
        if delay:
            time.sleep(delay)
        return 200, headers, json.dumps(body).encode()

    # ---- OAuth: installs into several workspaces, token rotation, revocation (bot/installations.py) --------------
    # One contiguous block, kept apart from the rest of the fake. Tokens it issues belong to one workspace (or one
    # organisation, for an org-wide install): auth.test answers with that workspace, and every call made with a
    # revoked or expired token is refused, as Slack does. Tokens it did not issue (xoxb-test) are answered as before.
    def _oauth(self) -> dict:
        with self._lock:
            if not hasattr(self, "_oauth_state"):
                self._oauth_state = {"codes": {}, "tokens": {}, "refresh": {}, "n": 0}
            return self._oauth_state

    def oauth_code(
        self,
        team_id: str | None,
        *,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        expires_in: int | None = None,
        installer: str = "UOWNER",
    ) -> str:
        """A code, as Slack hands it to the browser at the redirect, that oauth.v2.access exchanges for a bot token
        of this workspace (or, org_wide, of this organisation); with expires_in the token expires and rotates."""
        state = self._oauth()
        with self._lock:
            state["n"] += 1
            code = f"code-{state['n']}"
            state["codes"][code] = dict(
                team_id=team_id,
                enterprise_id=enterprise_id,
                org_wide=org_wide,
                expires_in=expires_in,
                installer=installer,
            )
        return code

    def oauth_tokens(self, team_or_enterprise: str) -> list[str]:
        """Bot tokens issued for a workspace (or an organisation), oldest first."""
        return [
            t
            for t, grant in self._oauth()["tokens"].items()
            if team_or_enterprise in (grant["team_id"], grant["enterprise_id"])
        ]

    def revoke(self, team_or_enterprise: str) -> None:
        """The app was uninstalled: every token of that workspace (or organisation) stops working."""
        for token in self.oauth_tokens(team_or_enterprise):
            self._oauth()["tokens"][token]["revoked"] = True

    def _issue(self, grant: dict, *, refreshed: bool = False) -> dict:
        """A new bot token (and refresh token, for an expiring grant) and the oauth.v2.access answer for it; a
        refreshed token lasts Slack's 12 hours."""
        state = self._oauth()
        with self._lock:
            state["n"] += 1
            n = state["n"]
        key = grant["team_id"] or grant["enterprise_id"]
        token = f"xoxb-{key}-{n}"
        if refreshed:
            grant = {**grant, "expires_in": 12 * 3600}
        expires_at = time.time() + grant["expires_in"] if grant["expires_in"] else None
        state["tokens"][token] = {**grant, "revoked": False, "expires_at": expires_at}
        answer = {
            "ok": True,
            "app_id": "A1",
            "access_token": token,
            "token_type": "bot",
            "scope": self.scopes,
            "bot_user_id": self.bot_user_id,
            "is_enterprise_install": grant["org_wide"],
            "team": None if grant["org_wide"] else {"id": grant["team_id"], "name": f"Team {grant['team_id']}"},
            "enterprise": {"id": grant["enterprise_id"], "name": "Org"} if grant["enterprise_id"] else None,
            "authed_user": {"id": grant["installer"]},
        }
        if expires_at:
            refresh = f"xoxe-{key}-{n}"
            state["refresh"][refresh] = {"grant": grant, "used": False}
            answer.update(refresh_token=refresh, expires_in=grant["expires_in"])
        return answer

    def _oauth_answer(self, method: str, args: dict, token: str | None, headers: dict) -> dict | None:
        """The answer of a call that concerns installations, or None to let _answer() reply as before."""
        state = self._oauth()
        if method == "oauth.v2.access":
            if args.get("grant_type") == "refresh_token":
                entry = state["refresh"].get(args.get("refresh_token"))
                if entry is None or entry["used"]:  # Slack honours a refresh token once
                    return {"ok": False, "error": "invalid_refresh_token"}
                entry["used"] = True
                return self._issue(entry["grant"], refreshed=True)
            grant = state["codes"].pop(args.get("code"), None)
            return self._issue(grant) if grant else {"ok": False, "error": "invalid_code"}
        grant = state["tokens"].get(token)
        if grant is None:
            return None
        if grant["revoked"]:
            return {"ok": False, "error": "token_revoked"}
        if grant["expires_at"] and grant["expires_at"] < time.time():
            return {"ok": False, "error": "token_expired"}
        if method == "auth.test":
            headers["x-oauth-scopes"] = self.scopes
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": f"Team {grant['team_id']}",
                "user": "greenlight",
                "team_id": grant["team_id"],
                "enterprise_id": grant["enterprise_id"],
                "user_id": self.bot_user_id,
                "bot_id": "B1",
                "is_enterprise_install": grant["org_wide"],
            }
        return None

    # ==== records branch (visibility, export, charts): guests, channel members, the file upload API ====
    # Everything this branch needs from the fake is in this block and the two-line hook at the top of _answer.
    # As strict as Slack: conversations.members answers channel_not_found for a channel it does not know or
    # a private one the bot is not in, and pages with a cursor; files.getUploadURLExternal requires filename
    # and length; the bytes go to an upload URL on another host (a second local server here), and
    # files.completeUploadExternal requires `files` naming uploaded ids. Uploaded files are kept in `files`.

    def add_guest(self, user_id, name=None, tz="Europe/Berlin", *, ultra=False) -> None:
        """Register a guest: users.info says is_restricted (multi-channel) or is_ultra_restricted (single-channel)."""
        self.add_user(user_id, name=name, tz=tz, is_restricted=not ultra, is_ultra_restricted=ultra)

    def add_group(self, group_id, members, *, plan_has_groups=True) -> None:
        """A user group (S…) and its members, as usergroups.users.list answers (which needs usergroups:read)."""
        self.groups = {**getattr(self, "groups", {}), group_id: list(members)}
        self.plan_has_groups = plan_has_groups

    def set_members(self, channel_id, members, *, private=False, bot_is_member=True) -> None:
        """The channel's members as conversations.members lists them (the channel is added if new)."""
        if channel_id not in self.channels:
            self.add_channel(channel_id, is_member=bot_is_member)
        self.channels[channel_id].update(is_private=private, is_member=bot_is_member)
        self._members = {**getattr(self, "_members", {}), channel_id: list(members)}

    def uploaded(self, channel=None) -> list[dict]:
        """Files shared by files.completeUploadExternal (optionally only in `channel`), in order."""
        return [
            f
            for f in getattr(self, "files", {}).values()
            if f.get("shared") and (channel is None or f["channel_id"] == channel)
        ]

    def _upload_url(self, file_id: str) -> str:
        """Where the bytes of one file go: a second local server, as Slack's upload host is not the API's."""
        if getattr(self, "_upload_server", None) is None:
            fake = self

            class Upload(BaseHTTPRequestHandler):
                def do_POST(self):
                    data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    entry = fake.files.get(self.path.rsplit("/", 1)[-1])
                    status, body = (200, f"OK - {len(data)}".encode()) if entry else (404, b"not found")
                    if entry:
                        entry["content"] = data
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, format, *args) -> None:
                    pass

            self._upload_server = ThreadingHTTPServer(("127.0.0.1", 0), Upload)
            self._upload_server.daemon_threads = True
            threading.Thread(
                target=self._upload_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            ).start()
        return f"http://127.0.0.1:{self._upload_server.server_address[1]}/upload/{file_id}"

    def _records_answer(self, method: str, args: dict) -> dict | None:
        """Answers for this branch's methods; None for every other method (answered below as before)."""
        if method == "conversations.members":
            ch = self.channels.get(args.get("channel"))
            members = getattr(self, "_members", {}).get(args.get("channel"))
            if not ch or members is None or (ch.get("is_private") and not ch["is_member"]):
                return {"ok": False, "error": "channel_not_found"}
            limit = int(args.get("limit") or 100)
            start = int(args.get("cursor") or 0)
            more = start + limit < len(members)
            return {
                "ok": True,
                "members": members[start : start + limit],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        if method == "usergroups.users.list":
            return self._group_users(args)
        if method == "files.getUploadURLExternal":
            length = str(args.get("length") or "")
            if not args.get("filename") or not length.isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            with self._lock:
                self._counter += 1
                file_id = f"F{self._counter:08d}"
            self.files = {
                **getattr(self, "files", {}),
                file_id: {
                    "id": file_id,
                    "filename": args["filename"],
                    "length": int(length),
                    "content": None,
                    "shared": False,
                },
            }
            return {"ok": True, "upload_url": self._upload_url(file_id), "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            if isinstance(files, str):
                try:
                    files = json.loads(files)
                except ValueError:
                    return {"ok": False, "error": "invalid_arguments"}
            known = getattr(self, "files", {})
            if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
                return {"ok": False, "error": "invalid_arguments"}
            if any(known.get(f["id"], {}).get("content") is None for f in files):
                return {"ok": False, "error": "file_not_found"}
            for f in files:
                known[f["id"]].update(
                    shared=True,
                    title=f.get("title"),
                    channel_id=args.get("channel_id"),
                    thread_ts=args.get("thread_ts"),
                    initial_comment=args.get("initial_comment"),
                )
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title"), "name": known[f["id"]]["filename"]} for f in files],
            }
        return None

    # ==== end of the records branch's block (its hook is the first statement of _answer) ====

    def _group_users(self, args: dict) -> dict:
        """usergroups.users.list: the group's members as user ids, or Slack's errors for it."""
        if "usergroups:read" not in self.scopes.split(","):
            return {"ok": False, "error": "missing_scope", "needed": "usergroups:read", "provided": self.scopes}
        if not args.get("usergroup"):
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": ["[ERROR] missing required field: usergroup"]},
            }
        if not getattr(self, "plan_has_groups", True):
            return {"ok": False, "error": "plan_upgrade_required"}
        members = getattr(self, "groups", {}).get(args["usergroup"])
        if members is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(members)}

    def _answer(self, method: str, args: dict, headers: dict) -> dict:
        """Slack-shaped JSON for a successful (non-scripted) call."""
        records = self._records_answer(method, args)  # records branch: guests, conversations.members, files.*
        if records is not None:
            return records
        if method == "response_url":
            return {"ok": True}
        if method == "auth.test":
            headers["x-oauth-scopes"] = self.scopes
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "greenlight",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "B1",
            }
        if method == "users.info":
            u = self.users.get(args.get("user"))
            if not u:
                return {"ok": False, "error": "user_not_found"}
            label, offset = _tz_info(u["tz"])
            return {
                "ok": True,
                "user": {
                    "id": u["id"],
                    "team_id": self.team_id,
                    "name": u["name"],
                    "real_name": u["name"],
                    "tz": u["tz"],
                    "tz_label": label,
                    "tz_offset": offset,
                    "is_bot": u["is_bot"],
                    "deleted": u["deleted"],
                    "is_admin": u["is_admin"],
                    "is_owner": u["is_owner"],
                    "is_restricted": u["is_restricted"],
                    "is_ultra_restricted": u["is_ultra_restricted"],
                    "profile": {
                        "display_name": u["name"],
                        "real_name": u["name"],
                        "status_text": u["status_text"],
                        "status_emoji": u["status_emoji"],
                        "status_expiration": u["status_expiration"],
                    },
                    **({"locale": u["locale"]} if str(args.get("include_locale")).lower() in ("true", "1") else {}),
                },
            }
        if method == "conversations.open":
            users = args.get("users") or ""
            first = (users if isinstance(users, list) else str(users).split(","))[0].strip()
            return {"ok": True, "channel": {"id": "D" + first}}
        if method == "conversations.info":
            ch = self.channels.get(args.get("channel"))
            if not ch:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {**ch, "is_channel": True}}
        if method == "chat.postMessage":
            channel = str(args.get("channel", ""))
            if isinstance(args.get("_body"), str):
                return {"ok": False, "error": "invalid_json"}
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if not (args.get("text") or args.get("blocks") or args.get("attachments")):
                return {"ok": False, "error": "no_text"}
            if channel[:1] in ("U", "W"):
                if self.users.get(channel, {}).get("deleted"):
                    return {"ok": False, "error": "user_not_found"}
                channel = "D" + channel
            elif channel in self.channels and not self.channels[channel]["is_member"]:
                return {"ok": False, "error": "not_in_channel"}
            if _invalid_blocks(args.get("blocks")):
                return {"ok": False, "error": "invalid_blocks"}
            ts = self._next_ts()
            message = {
                "type": "message",
                "user": self.bot_user_id,
                "text": args.get("text"),
                "blocks": args.get("blocks"),
                "ts": ts,
            }
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            if isinstance(args.get("metadata"), dict):
                message["metadata"] = args["metadata"]
            with self._lock:
                self.history[channel].append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method in ("conversations.history", "conversations.replies"):
            return self._read_history(method, args)
        if method == "conversations.join":
            if "channels:join" not in self.scopes.split(","):
                return {"ok": False, "error": "missing_scope", "needed": "channels:join", "provided": self.scopes}
            ch = self.channels.get(args.get("channel"))
            if not ch:
                return {"ok": False, "error": "channel_not_found"}
            ch["is_member"] = True
            return {"ok": True, "channel": {**ch, "is_channel": True}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}
        if method == "chat.getPermalink":
            ts = str(args.get("message_ts", "")).replace(".", "")
            return {"ok": True, "permalink": f"https://test.slack.com/archives/{args.get('channel')}/p{ts}"}
        if method in VIEW_METHODS:
            view = args.get("view") if isinstance(args.get("view"), dict) else {}
            with self._lock:
                self._counter += 1
                vid = args.get("view_id") or f"V{self._counter}"
            return {"ok": True, "view": {**view, "id": vid}}
        if method == "apps.connections.open" and self.socket_url:
            return {"ok": True, "url": self.socket_url}
        return {"ok": False, "error": "unknown_method"}

    def _read_history(self, method: str, args: dict) -> dict:
        """conversations.history (newest first) or .replies (a thread, oldest first); `metadata` only
        when include_all_metadata is true, as Slack does."""
        channel = str(args.get("channel", ""))
        needed = {"D": "im:history", "G": "groups:history"}.get(channel[:1], "channels:history")
        if needed not in self.scopes.split(","):
            return {"ok": False, "error": "missing_scope", "needed": needed, "provided": self.scopes}
        with self._lock:
            stored = list(self.history.get(channel, []))
        if method == "conversations.history":
            found = [m for m in reversed(stored) if "thread_ts" not in m or m["thread_ts"] == m["ts"]]
        else:
            ts = str(args.get("ts", ""))
            found = [m for m in stored if m["ts"] == ts or m.get("thread_ts") == ts]
            if not found:
                return {"ok": False, "error": "thread_not_found"}
        found = found[: int(args.get("limit") or 100)]
        if str(args.get("include_all_metadata", "")).lower() not in ("true", "1"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"ok": True, "messages": found, "has_more": False}


def _invalid_blocks(blocks) -> bool:
    """What Slack refuses at call time with invalid_blocks (a cheap subset: count and duplicate block_id)."""
    if not isinstance(blocks, list):
        return False
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    return len(blocks) > 50 or len(ids) != len(set(ids))


class _Handler(BaseHTTPRequestHandler):
    """Routes /api/<method> and /response/<name> to the owning FakeSlack."""

    owner: FakeSlack

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if len(body) < length:  # the client died mid-request (a kill -9): an HTTP server never handles half a body
            self.close_connection = True
            return
        args = _parse_args(parts.query, self.headers.get("Content-Type", ""), body)
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else args.get("token")
        if parts.path.startswith("/api/"):
            status, headers, body = self.owner._handle(parts.path[len("/api/") :], args, token)
        elif parts.path.startswith("/response/"):
            args["_name"] = parts.path[len("/response/") :]
            status, headers, body = self.owner._handle("response_url", args, token)
        else:
            status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a late answer): as with Slack
            pass

    do_GET = do_POST = _dispatch

    def log_message(self, format, *args) -> None:  # keep pytest output clean
        pass
