"""Tests for tests/fake_slack.py, driven through a real slack_sdk WebClient."""

import json
import threading
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fake_slack import FakeSlack


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def client(fake):
    return WebClient(base_url=fake.url, token="xoxb-test", retry_handlers=[])


def test_url_shape(fake):
    assert fake.url.startswith("http://127.0.0.1:") and fake.url.endswith("/api/")
    assert fake.response_url("x") == fake.url.replace("/api/", "/response/x")


def test_auth_test_and_scopes_header(fake, client):
    resp = client.auth_test()
    assert resp["ok"] and resp["team_id"] == "T1" and resp["user_id"] == "UBOT" and resp["bot_id"] == "B1"
    assert resp.headers["x-oauth-scopes"] == "commands,chat:write,im:write,users:read"
    (call,) = fake.calls("auth.test")
    assert call.token == "xoxb-test" and not call.failed


def test_users_info_with_tz(fake, client):
    fake.add_user("U1", name="alice", tz="Europe/Berlin", is_admin=True)
    user = client.users_info(user="U1")["user"]
    assert user["id"] == "U1" and user["name"] == "alice" and user["team_id"] == "T1"
    assert user["tz"] == "Europe/Berlin" and user["tz_offset"] in (3600, 7200)
    assert user["tz_label"] in ("CET", "CEST")
    assert user["is_admin"] and not user["is_bot"] and user["profile"]["display_name"] == "alice"
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="UNOPE")
    assert exc.value.response["error"] == "user_not_found"


def test_conversations(fake, client):
    assert client.conversations_open(users=["U1", "U2"])["channel"]["id"] == "DU1"
    fake.add_channel("C1", name="general")
    assert client.conversations_info(channel="C1")["channel"] == {
        "id": "C1",
        "name": "general",
        "is_member": True,
        "is_channel": True,
    }
    with pytest.raises(SlackApiError) as exc:
        client.conversations_info(channel="C404")
    assert exc.value.response["error"] == "channel_not_found"


def test_post_message_to_user_records_decoded_blocks(fake, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    r1 = client.chat_postMessage(channel="U1", text="hi", blocks=blocks)
    r2 = client.chat_postMessage(channel="C1", text="yo", thread_ts=r1["ts"])
    assert r1["channel"] == "DU1" and r2["channel"] == "C1"
    assert r1["ts"] != r2["ts"] and float(r2["ts"]) > float(r1["ts"])
    assert r1["message"]["blocks"] == blocks and r2["message"]["thread_ts"] == r1["ts"]
    calls = fake.calls("chat.postMessage")
    assert [c.args["channel"] for c in calls] == ["U1", "C1"]
    assert calls[0].args["blocks"] == blocks and calls[0].token == "xoxb-test"


def test_form_encoded_json_strings_are_decoded(fake, client):
    blocks = [{"type": "divider"}]
    client.api_call("chat.postMessage", data={"channel": "C1", "blocks": json.dumps(blocks)})
    assert fake.calls("chat.postMessage")[0].args["blocks"] == blocks


def test_post_message_errors(fake, client):
    fake.add_user("U9", deleted=True)
    fake.add_channel("C2", is_member=False)
    for channel, error in (("U9", "user_not_found"), ("C2", "not_in_channel")):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel=channel, text="x")
        assert exc.value.response["error"] == error


def test_a_post_slack_cannot_read_is_refused_and_stored_nowhere(fake, client):
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="", text="x")
    assert exc.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as exc, pytest.warns(UserWarning, match="text"):  # slack_sdk warns too
        client.chat_postMessage(channel="C1")
    assert exc.value.response["error"] == "no_text"
    broken = urllib.request.Request(
        fake.url + "chat.postMessage",
        data=b'{"channel": "C1", "text": "x"',
        headers={"Content-Type": "application/json", "Authorization": "Bearer xoxb-test"},
    )
    assert json.load(urllib.request.urlopen(broken)) == {"ok": False, "error": "invalid_json"}
    assert fake.posted() == []


def test_a_request_cut_off_mid_body_is_never_handled(fake):
    """A sender killed while writing its request: the half that arrived is not a message (the fault suite's kill)."""
    import socket

    host, port = fake.url.split("//")[1].split("/")[0].split(":")
    body = b'{"channel": "C1", "text": "x"}'
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer xoxb-test\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10]
        )
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""  # no answer: the connection is closed
    assert fake.posted() == [] and fake.calls("chat.postMessage") == []


def test_other_chat_and_view_methods(fake, client):
    assert client.chat_postEphemeral(channel="C1", user="U1", text="x")["message_ts"]
    upd = client.chat_update(channel="C1", ts="1700000000.000100", text="new")
    assert (upd["channel"], upd["ts"], upd["text"]) == ("C1", "1700000000.000100", "new")
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")["permalink"]
    assert link == "https://test.slack.com/archives/C1/p1700000000000100"
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = client.views_open(trigger_id="t1", view=view)["view"]
    assert opened["id"].startswith("V") and opened["type"] == "modal"
    assert client.views_update(view_id=opened["id"], view=view)["view"]["id"] == opened["id"]
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]["type"] == "home"
    assert fake.calls("views.open")[0].args["view"] == view
    with pytest.raises(SlackApiError) as exc:
        client.api_call("nope.nothing")
    assert exc.value.response["error"] == "unknown_method"
    assert fake.calls("nope.nothing")


def test_fail_next_429(fake, client):
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "7"
    assert exc.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]  # queue consumed
    assert [c.failed for c in fake.calls("chat.postMessage")] == [True, False]


def test_fail_next_500_and_error_times(fake, client):
    fake.fail_next("users.info", status=500)
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U1")
    assert exc.value.response.status_code == 500
    fake.fail_next("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C1", text="x")
        assert exc.value.response.status_code == 200
        assert exc.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_response_url_recording(fake):
    url = fake.response_url("cmd1")
    req = urllib.request.Request(
        url,
        data=json.dumps({"text": "done", "replace_original": True}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req) as resp:
        assert json.loads(resp.read()) == {"ok": True}
    (call,) = fake.calls("response_url")
    assert call.args == {"text": "done", "replace_original": True, "_name": "cmd1"}


def test_wait_for_and_clear(fake, client):
    fake.fail_next("chat.postMessage", error="channel_not_found")
    timer = threading.Timer(0.1, lambda: [client.chat_postMessage(channel="C1", text=str(i)) for i in range(3)])
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="fails")
    timer.start()
    got = fake.wait_for("chat.postMessage", count=3, timeout=5)
    assert [c.args["text"] for c in got] == ["0", "1", "2"]  # failed call excluded
    timer.join()
    fake.clear()
    assert fake.calls() == []
    with pytest.raises(AssertionError, match="methods seen"):
        fake.wait_for("chat.postMessage", timeout=0.05)


def test_history_returns_posts_with_metadata_only_when_asked(fake, client):
    fake.grant("channels:history", "im:history")
    meta = {"event_type": "greenlight_outbox", "event_payload": {"key": "k1"}}
    first = client.chat_postMessage(channel="U1", text="one", metadata=meta)
    client.chat_postMessage(channel="DU1", text="reply", thread_ts=first["ts"])
    client.chat_postMessage(channel="U1", text="two")
    plain = client.conversations_history(channel="DU1")["messages"]
    assert [m["text"] for m in plain] == ["two", "one"] and "metadata" not in plain[1]  # newest first, no replies
    full = client.conversations_history(channel="DU1", include_all_metadata=True)["messages"]
    assert full[1]["metadata"] == meta
    thread = client.conversations_replies(channel="DU1", ts=first["ts"], include_all_metadata=True)["messages"]
    assert [m["text"] for m in thread] == ["one", "reply"] and thread[0]["metadata"] == meta
    assert [m["text"] for m in fake.posted("DU1")] == ["one", "reply", "two"]


def test_history_needs_its_scope(fake, client):
    with pytest.raises(SlackApiError) as exc:
        client.conversations_history(channel="C1")
    assert exc.value.response["error"] == "missing_scope" and exc.value.response["needed"] == "channels:history"


def test_blocks_slack_would_refuse_answer_invalid_blocks(fake, client):
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    for blocks in ([{**section, "block_id": "a"}, {**section, "block_id": "a"}], [section] * 51):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C1", text="x", blocks=blocks)
        assert exc.value.response["error"] == "invalid_blocks"
    assert client.chat_postMessage(channel="C1", text="x", blocks=[section] * 50)["ok"]
    assert len(fake.posted("C1")) == 1


def test_a_broken_token_is_refused_everywhere_until_fixed(fake, client):
    fake.break_token("token_revoked")
    for call in (client.auth_test, lambda: client.chat_postMessage(channel="C1", text="x")):
        with pytest.raises(SlackApiError) as exc:
            call()
        assert exc.value.response.status_code == 200 and exc.value.response["error"] == "token_revoked"
    fake.fix_token()
    assert client.auth_test()["ok"] and not fake.posted()


def test_a_late_answer_after_accepting_the_post(fake):
    from tests.fake_slack import Fault

    fake.faults = lambda method, args, token: Fault(late=1.0) if method == "chat.postMessage" else None
    hasty = WebClient(base_url=fake.url, token="xoxb-test", retry_handlers=[], timeout=0.2)
    with pytest.raises(OSError):  # the client timed out...
        hasty.chat_postMessage(channel="C1", text="x")
    assert [m["text"] for m in fake.posted("C1")] == ["x"]  # ...but Slack has the message


def test_usergroups_users_list_as_slack_answers_it(fake, client):
    fake.add_group("SHR", ["U1", "U2"])
    with pytest.raises(SlackApiError) as e:  # the scope is not granted by default
        client.usergroups_users_list(usergroup="SHR")
    assert e.value.response["error"] == "missing_scope" and e.value.response["needed"] == "usergroups:read"
    fake.grant("usergroups:read")
    assert client.usergroups_users_list(usergroup="SHR").data == {"ok": True, "users": ["U1", "U2"]}
    with pytest.raises(SlackApiError) as e:
        client.usergroups_users_list(usergroup="SNOPE")
    assert e.value.response["error"] == "no_such_subteam"
    fake.add_group("SHR", ["U1"], plan_has_groups=False)
    with pytest.raises(SlackApiError) as e:
        client.usergroups_users_list(usergroup="SHR")
    assert e.value.response["error"] == "plan_upgrade_required"
