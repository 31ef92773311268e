"""Action and view ids shared by the builders and the listeners."""
from enum import StrEnum


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SNOOZE = "snooze"
    ASK = "ask_question"
    PROCEED = "proceed"
    EXTEND = "extend"
    WITHDRAW = "withdraw"
    NUDGE = "nudge"
    HISTORY = "older_events"


class View(StrEnum):
    REJECT = "reject_reason"
    ASK = "ask_question"
    EXTEND = "extend_deadline"
    REGISTER = "register"
