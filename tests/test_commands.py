"""The /greenlight text parser: every subcommand, references, deadlines, and a helpful message for bad input."""

from datetime import date

import pytest

from bot.parsing import USAGE, Command, Draft, Due, ParseError, parse, parse_reference


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", " Help "])
def test_help(text):
    assert parse(text) == Command("help")


@pytest.mark.parametrize("name", ["list", "mine", "summary"])
def test_commands_without_arguments(name):
    assert parse(name) == Command(name)
    assert parse(name.upper()) == Command(name)


def test_new_without_text_opens_the_modal():
    assert parse("new") == Command("new")


@pytest.mark.parametrize("token", ["GL-12", "gl-12", "12", "Gl-12", "GL12"])
def test_references(token):
    assert parse_reference(token) == 12
    assert parse(f"show {token}") == Command("show", ref=12)


@pytest.mark.parametrize("token", ["GL-", "GL-x", "twelve", "#12", "GL-1-2"])
def test_bad_reference_says_how_to_write_one(token):
    with pytest.raises(ParseError, match="is not a reference. Use one like GL-12"):
        parse(f"approve {token}")


@pytest.mark.parametrize("name", ["show", "approve", "reject", "nudge", "extend", "proceed", "report", "withdraw"])
def test_reference_commands_without_a_reference(name):
    with pytest.raises(ParseError) as exc:
        parse(name)
    assert "Which initiative?" in str(exc.value) and USAGE[name] in str(exc.value)


def test_approve_with_and_without_comment():
    assert parse("approve GL-3") == Command("approve", ref=3)
    # Slack escapes & < > in command text; the stored comment is what the person typed.
    assert parse("approve gl-3 looks &amp; good &lt;3") == Command("approve", ref=3, text="looks & good <3")
    assert parse("approve 3 thanks <@U1|ann>") == Command("approve", ref=3, text="thanks @ann")


def test_reject_needs_a_reason():
    assert parse("reject GL-4 budget is gone") == Command("reject", ref=4, text="budget is gone")
    with pytest.raises(ParseError, match=r"Please give a reason. Usage: `/greenlight reject GL-12 <reason>`"):
        parse("reject GL-4")
    with pytest.raises(ParseError, match="Please give a reason"):
        parse("reject GL-4    ")


def test_report_needs_text_and_proceed_withdraw_do_not():
    assert parse("report 5 it went well") == Command("report", ref=5, text="it went well")
    with pytest.raises(ParseError, match="Please give the report text"):
        parse("report 5")
    assert parse("proceed 5") == Command("proceed", ref=5)
    assert parse("proceed 5 go") == Command("proceed", ref=5, text="go")
    assert parse("withdraw GL-5") == Command("withdraw", ref=5)
    assert parse("withdraw GL-5 merged into GL-6") == Command("withdraw", ref=5, text="merged into GL-6")


@pytest.mark.parametrize("name", ["show", "nudge"])
def test_show_and_nudge_take_only_a_reference(name):
    assert parse(f"{name} GL-7") == Command(name, ref=7)
    with pytest.raises(ParseError, match=f"`{name}` takes only a reference"):
        parse(f"{name} GL-7 now please")


def test_extend():
    assert parse("extend GL-2 by 2027-02-01") == Command("extend", ref=2, due=Due(on=date(2027, 2, 1)))
    assert parse("extend GL-2 in 5 days") == Command("extend", ref=2, due=Due(business_days=5))
    assert parse("extend GL-2 in 1 day") == Command("extend", ref=2, due=Due(business_days=1))
    with pytest.raises(ParseError, match=r"`by YYYY-MM-DD` or `in N days`"):
        parse("extend GL-2")
    with pytest.raises(ParseError, match=r"“2027-02-30” is not a date. Write it as YYYY-MM-DD"):
        parse("extend GL-2 by 2027-02-30")


def test_settings():
    assert parse("settings") == Command("settings")
    assert parse("settings Timezone Europe/Paris") == Command("settings", key="timezone", value="Europe/Paris")
    assert parse("settings summary-channel <#C1|general>") == Command(
        "settings", key="summary-channel", value="<#C1|general>"
    )


def test_unknown_subcommand_points_to_help():
    with pytest.raises(ParseError, match=r"I don't know `frobnicate`. Try `/greenlight help`"):
        parse("frobnicate GL-1")


def test_unknown_subcommand_is_not_echoed_as_markup():
    with pytest.raises(ParseError) as exc:
        parse("<!channel> hi")
    assert "<!" not in str(exc.value)


# ---- new ----------------------------------------------------------------------------------------


def test_new_minimal():
    assert parse("new Training plan approvers <@UALICE> sponsor <@USPONSOR>") == Command(
        "new", draft=Draft(title="Training plan", approver_ids=("UALICE",), sponsor_id="USPONSOR")
    )


def test_new_full_with_escaped_mentions():
    cmd = parse(
        "new Q3 training &amp; travel approvers <@UALICE|alice> <@UBOB|bob> sponsor <@USPONSOR|sam> "
        "in 5 days rule any in <#C42|sales>"
    )
    assert cmd == Command(
        "new",
        draft=Draft(
            title="Q3 training & travel",
            approver_ids=("UALICE", "UBOB"),
            sponsor_id="USPONSOR",
            due=Due(business_days=5),
            rule="any",
            channel_id="C42",
        ),
    )


def test_new_options_in_any_order_and_case():
    cmd = parse("NEW Plan Approvers <@UA> sponsor <@US> in <#C1> RULE ALL by 2027-01-15")
    assert cmd == Command(
        "new",
        draft=Draft(
            title="Plan",
            approver_ids=("UA",),
            sponsor_id="US",
            due=Due(on=date(2027, 1, 15)),
            rule="all",
            channel_id="C1",
        ),
    )


def test_new_singular_keyword_and_extra_spaces():
    assert parse("new  T   approver  <@UA>   <@W2>  sponsor   <@US>") == Command(
        "new", draft=Draft(title="T", approver_ids=("UA", "W2"), sponsor_id="US")
    )


def test_new_counts_business_days():
    assert parse("new T approvers <@UA> sponsor <@US> in 5 business days").draft.due == Due(business_days=5)
    assert parse("new T approvers <@UA> sponsor <@US> in 1 day").draft.due == Due(business_days=1)


def test_new_title_may_contain_the_word_approvers():
    cmd = parse("new Hire approvers for support approvers <@UA> sponsor <@US>").draft
    assert cmd.title == "Hire approvers for support" and cmd.approver_ids == ("UA",)


def test_new_title_mentions_become_plain_text():
    cmd = parse(
        "new Tell <!channel> and <@U9|eve> about <https://evil.example|this> approvers <@UA> sponsor <@US>"
    ).draft
    assert cmd.title == "Tell @channel and @eve about this"


def test_new_keeps_duplicates_for_validation_to_refuse():
    # The service refuses duplicates with a clear message; the parser must not hide them.
    assert parse("new T approvers <@UA> <@UA> sponsor <@US>").draft.approver_ids == ("UA", "UA")


NEW_USAGE = USAGE["new"]


def test_new_in_stages_each_with_its_rule():
    draft = parse(
        "new Training plan approvers <@UHR> <@UFIN> <@UOPS> rule 2 then <@UCOUNCIL> then <@UDIR> "
        "sponsor <@UVP> rule any"
    ).draft
    assert draft.approver_ids == ("UHR", "UFIN", "UOPS", "UCOUNCIL", "UDIR")
    assert draft.stages == [["UHR", "UFIN", "UOPS"], ["UCOUNCIL"], ["UDIR"]]
    assert draft.rule == "2,any,any"  # a rule after the sponsor applies to each stage without its own
    assert parse("new T approvers <@UA> then <@UB> sponsor <@US>").draft.rule == "all"
    assert parse("new T approvers <@UA> <@UB> sponsor <@US> rule 2").draft == Draft(
        title="T", approver_ids=("UA", "UB"), sponsor_id="US", rule="2"
    )


def test_resubmit_takes_what_changed_then_a_deadline_and_fresh_in_either_order():
    cmd = parse("resubmit GL-12 Budget halved, in 2 phases by 2027-01-15 fresh")
    assert (cmd.ref, cmd.text, cmd.due, cmd.key) == (
        12,
        "Budget halved, in 2 phases",
        Due(on=date(2027, 1, 15)),
        "fresh",
    )
    cmd = parse("resubmit 12 One trainer fresh in 5 days")
    assert (cmd.text, cmd.due, cmd.key) == ("One trainer", Due(business_days=5), "fresh")
    assert parse("resubmit gl-3 Smaller scope").due is None
    with pytest.raises(ParseError, match="what changed"):
        parse("resubmit GL-12 in 5 days")


@pytest.mark.parametrize(
    "text, says",
    [
        ("new Plan", "Name the approvers with `approvers @name`"),
        ("new Plan sponsor <@US>", "Name the approvers with `approvers @name`"),
        ("new approvers <@UA> sponsor <@US>", "needs a title before `approvers`"),
        ("new Plan approvers sponsor <@US>", "Name at least one approver as an @mention"),
        ("new Plan approvers @alice sponsor <@US>", "Name at least one approver as an @mention"),
        ("new Plan approvers <!here> sponsor <@US>", "Name at least one approver as an @mention"),
        ("new Plan approvers <@UA>", "name the sponsor: `sponsor @name`"),
        (
            "new Plan approvers <@UA> bob sponsor <@US>",
            "name the sponsor: `sponsor @name` (approvers must be @mentions)",
        ),
        ("new Plan approvers <@UA> sponsor", "Name one sponsor as an @mention"),
        ("new Plan approvers <@UA> sponsor bob", "Name one sponsor as an @mention"),
        ("new Plan approvers <@UA> sponsor <@US> <@UB>", "exactly one sponsor"),
        ("new Plan approvers <@UA> sponsor <@US> sponsor <@UB>", "exactly one sponsor"),
        ("new Plan approvers <@UA> sponsor <@US> soon", "I don't understand “soon”"),
        ("new Plan approvers <@UA> sponsor <@US> by", "`by YYYY-MM-DD` or `in N days`"),
        ("new Plan approvers <@UA> sponsor <@US> in 5", "`by YYYY-MM-DD` or `in N days`"),
        ("new Plan approvers <@UA> sponsor <@US> by 15/01/2027", "“15/01/2027” is not a date. Write it as YYYY-MM-DD"),
        ("new Plan approvers <@UA> sponsor <@US> by tomorrow", "“tomorrow” is not a date"),
        (
            "new Plan approvers <@UA> sponsor <@US> in x days",
            "“x” is not a number of days. Write for example `in 10 days`",
        ),
        ("new Plan approvers <@UA> sponsor <@US> in 0 days", "“0” is not a number of days"),
        ("new Plan approvers <@UA> sponsor <@US> in -3 days", "“-3” is not a number of days"),
        ("new Plan approvers <@UA> sponsor <@US> in ² days", "“²” is not a number of days"),
        ("new Plan approvers <@UA> sponsor <@US> in 99999999 days", "is not a number of days"),
        (
            "new Plan approvers <@UA> sponsor <@US> rule most",
            "The rule is `all` (every approver), `any` (one is enough) or a number (that many approvals), not “most”",
        ),
        ("new Plan approvers <@UA> sponsor <@US> rule 0", "not “0”"),
        ("new Plan approvers <@UA> then sponsor <@US>", "Name at least one approver as an @mention after `then`"),
        ("new Plan approvers then <@UA> sponsor <@US>", "Name at least one approver before `then`"),
        ("new Plan approvers <@UA> then then <@UB> sponsor <@US>", "Name at least one approver before `then`"),
        ("new Plan approvers <@UA> then <@UB> then <@UC> then <@UD> sponsor <@US>", "at most 3 stages"),
        ("new Plan approvers <@UA> sponsor <@US> in #general", "pick the channel"),
    ],
)
def test_new_bad_input_says_what_is_wrong_and_how(text, says):
    with pytest.raises(ParseError) as exc:
        parse(text)
    message = str(exc.value)
    assert says in message
    assert "<!" not in message and "<@" not in message  # never echoes markup that could ping or link


@pytest.mark.parametrize(
    "text",
    [
        "new Plan",
        "new Plan approvers <@UA>",
        "new Plan approvers <@UA> sponsor <@US> soon",
    ],
)
def test_new_errors_show_the_usage(text):
    with pytest.raises(ParseError) as exc:
        parse(text)
    assert NEW_USAGE in str(exc.value)


# ---- dates as German speakers type them (issue #14) -----------------------------------------------------------

TODAY = date(2026, 12, 7)  # Monday 7 December 2026


def today() -> date:
    return TODAY


@pytest.mark.parametrize(
    "typed, on",
    [
        ("by 30.04.2027", date(2027, 4, 30)),
        ("bis 30.04.2027", date(2027, 4, 30)),
        ("BIS 30.4.2027", date(2027, 4, 30)),
        ("30.04.2027", date(2027, 4, 30)),
        ("30.4.2027", date(2027, 4, 30)),
        ("bis 2027-04-30", date(2027, 4, 30)),
        ("30.4.", date(2027, 4, 30)),  # passed this year: next year's
        ("bis 24.12.", date(2026, 12, 24)),  # still ahead this year
        ("7.12.", date(2026, 12, 7)),  # today stays today, refused later as `by 2026-12-07` is ("not in the future")
        ("6.12.", date(2027, 12, 6)),
    ],
)
def test_german_dates_wherever_a_deadline_is_typed(typed, on):
    due = Due(on=on)
    assert parse(f"new T approvers <@UA> sponsor <@US> {typed}", today).draft.due == due
    assert parse(f"new T approvers <@UA> sponsor <@US> {typed} rule any in <#C1>", today).draft.due == due
    assert parse(f"new T using hiring {typed} in <#C1>", today).draft.due == due
    assert parse(f"extend GL-2 {typed}", today) == Command("extend", ref=2, due=due)
    # after free text a date needs its keyword: "moved to 30.4." could be what changed
    keyword = typed if " " in typed else f"bis {typed}"
    cmd = parse(f"resubmit GL-2 Smaller, cheaper {keyword} fresh", today)
    assert (cmd.text, cmd.due, cmd.key) == ("Smaller, cheaper", due, "fresh")


@pytest.mark.parametrize("words", ["in 5 Tagen", "in 5 tagen", "in 5 Werktagen", "in 5 days", "in 5 business days"])
def test_in_n_tagen_and_werktagen_are_business_days_as_in_n_days(words):
    due = Due(business_days=5)
    assert parse(f"new T approvers <@UA> sponsor <@US> {words} rule any", today).draft.due == due
    assert parse(f"new T using hiring {words}", today).draft.due == due
    assert parse(f"extend GL-2 {words}", today).due == due
    assert parse(f"resubmit GL-2 Smaller {words} fresh", today).due == due
    assert parse("extend GL-2 in 1 Tag").due == Due(business_days=1)


def test_snooze_and_away_understand_german_dates():
    assert parse("snooze GL-2 bis 24.12.", today).due == Due(on=date(2026, 12, 24))
    assert parse("snooze GL-2 30.4.", today).due == Due(on=date(2027, 4, 30))
    assert parse("snooze GL-2 3 Tage", today).due == Due(business_days=3)
    assert parse("snooze GL-2 in 3 Werktagen", today).due == Due(business_days=3)
    assert parse("snooze GL-2 until 2027-01-04", today).due == Due(on=date(2027, 1, 4))
    assert parse("me away until 30.04.2027", today) == Command("me", key="away", due=Due(on=date(2027, 4, 30)))
    assert parse("me away bis 8.1. delegate <@UB>", today) == Command(
        "me", key="away", due=Due(on=date(2027, 1, 8)), value="UB"
    )


@pytest.mark.parametrize(
    "text, says",
    [
        ("extend GL-2 31.02.2026", "“31.02.2026” is not a date. Write it as DD.MM.YYYY"),
        ("extend GL-2 bis 31.02.2026", "“31.02.2026” is not a date"),
        ("new T approvers <@UA> sponsor <@US> bis 30.13.2027", "“30.13.2027” is not a date"),
        ("new T approvers <@UA> sponsor <@US> 0.4.", "“0.4.” is not a date"),
        ("snooze GL-2 bis 31.4.", "“31.4.” is not a date"),
        ("me away until 29.02.2027", "“29.02.2027” is not a date"),
        ("resubmit GL-2 Smaller bis 32.1.2027", "“32.1.2027” is not a date"),
        ("extend GL-2 bis 2027-02-30", "“2027-02-30” is not a date. Write it as YYYY-MM-DD"),
        ("extend GL-2 in x Tagen", "“x” is not a number of days"),
    ],
)
def test_impossible_german_dates_are_refused_clearly(text, says):
    with pytest.raises(ParseError) as exc:
        parse(text, today)
    assert says in str(exc.value)


def test_a_date_without_its_year_asks_today_only_then():
    asked = []

    def counting() -> date:
        asked.append(1)
        return TODAY

    parse("new T approvers <@UA> sponsor <@US> bis 30.04.2027 rule any", counting)
    parse("extend GL-2 in 5 Tagen", counting)
    assert asked == []
    parse("extend GL-2 bis 30.4.", counting)
    assert asked == [1]
