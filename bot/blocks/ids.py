"""Action and view ids shared by the builders and the listeners."""

from enum import StrEnum


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SNOOZE = "snooze"  # until tomorrow
    SNOOZE_FOR = "snooze_for"  # the menu beside it: for 3 business days, until next week
    ASK = "ask_question"
    ANSWERED = "answered"  # the owner marks an approver's question answered
    PROCEED = "proceed"
    EXTEND = "extend"
    WITHDRAW = "withdraw"
    NUDGE = "nudge"
    MY_CALENDAR = "my_calendar"  # the App Home's form of `/greenlight me`
    NEW_INITIATIVE = "new_initiative"  # the App Home's way to `/greenlight new`
    # Previous / Next page of `list` or `mine`: the value says which list and page
    PREVIOUS_PAGE = "previous_page"
    NEXT_PAGE = "next_page"
    HISTORY = "older_events"
    RESUBMIT = "resubmit"  # in the owner's rejection DM: a new round


class View(StrEnum):
    REJECT = "reject_reason"
    ASK = "ask_question"
    ANSWERED = "answered"  # the owner marks an approver's question answered
    EXTEND = "extend_deadline"
    REGISTER = "register"
    MY_CALENDAR = "my_calendar"
    RESUBMIT = "resubmit"
