"""The fake Slack's records block (guests, conversations.members, the file upload API) is as strict as Slack."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.url)


def error(call) -> str:
    with pytest.raises(SlackApiError) as e:
        call()
    return e.value.response["error"]


def test_conversations_members_pages_and_hides_what_the_bot_cannot_read(fake, client):
    fake.set_members("CBIG", [f"U{n:03d}" for n in range(5)])
    first = client.conversations_members(channel="CBIG", limit=2)
    assert first["members"] == ["U000", "U001"] and first["response_metadata"]["next_cursor"]
    rest = client.conversations_members(channel="CBIG", limit=10, cursor=first["response_metadata"]["next_cursor"])
    assert rest["members"] == ["U002", "U003", "U004"] and rest["response_metadata"]["next_cursor"] == ""
    fake.set_members("CSECRET", ["U000"], private=True, bot_is_member=False)
    assert error(lambda: client.conversations_members(channel="CSECRET")) == "channel_not_found"
    assert error(lambda: client.conversations_members(channel="CNONE")) == "channel_not_found"


def test_guests_are_restricted_in_users_info(fake, client):
    fake.add_guest("UG1")
    fake.add_guest("UG2", ultra=True)
    assert client.users_info(user="UG1")["user"]["is_restricted"] is True
    assert client.users_info(user="UG2")["user"]["is_ultra_restricted"] is True


def test_the_file_upload_api_needs_its_arguments_and_real_bytes(fake, client):
    assert error(lambda: client.files_getUploadURLExternal(filename="a.csv", length="x")) == "invalid_arguments"
    url = client.files_getUploadURLExternal(filename="a.csv", length=3)
    assert error(lambda: client.files_completeUploadExternal(files=[{"id": url["file_id"]}])) == "file_not_found"
    client.files_upload_v2(channel="DU1", content=b"a,b", filename="a.csv", title="A", thread_ts="1.0")
    [shared] = fake.uploaded()
    assert (shared["content"], shared["channel_id"], shared["thread_ts"], shared["title"]) == (
        b"a,b",
        "DU1",
        "1.0",
        "A",
    )
