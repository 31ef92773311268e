from tests.slack_driver import text_of, buttons


def test_register_smoke(slack, fake):
    reply = slack.command("new Training plan approvers <@UALICE|alice> <@UBOB|bob> sponsor <@USPONSOR|sp> by 2026-12-18")
    print(reply)
    print(fake.calls())
    assert "GL-1" in reply["text"]
