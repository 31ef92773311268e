"""Approvers in stages: who is asked together, by which rule a stage is complete, and which stage waits.

A stage is asked once every earlier stage is complete; its rule is `all` (every approver of the stage),
`any` (one is enough) or a number N (N of the stage): Initiative.rule for each stage, unless stage_rules
gives each its own.
"""

from __future__ import annotations

from bot.i18n import t, tn
from bot.text import mention
from storage.enums import Decision

MAX_STAGES = 3


def rules(ini) -> list[str]:
    """The rule of each stage."""
    parts = (ini.stage_rules or ini.rule or "all").split(",")
    return [parts[min(n, len(parts) - 1)] for n in range(count(ini))]


def count(ini) -> int:
    """How many stages the initiative has."""
    return 1 + max((a.stage for a in ini.approvals), default=0)


def members(ini, stage: int) -> list:
    """The approvals of one stage, in the order they were named."""
    return [a for a in ini.approvals if a.stage == stage]


def needed(rule: str, size: int) -> int:
    """How many approvals complete a stage of `size` approvers under `rule`."""
    return size if rule == "all" else 1 if rule == "any" else int(rule)


def approved_in(ini, stage: int) -> int:
    return sum(a.decision == Decision.APPROVED for a in members(ini, stage))


def complete(ini, stage: int) -> bool:
    """Whether the stage has the approvals its rule asks for, its required approvers' among them."""
    people = members(ini, stage)
    return approved_in(ini, stage) >= needed(rules(ini)[stage], len(people)) and all(
        a.decision == Decision.APPROVED for a in people if a.required
    )


def required_names(approvals) -> str:
    """'<@A> (required)', '<@A> and <@B> (required)'."""
    names = [mention(a.approver_id) for a in approvals]
    listed = t("{names} and {last}", names=", ".join(names[:-1]), last=names[-1]) if len(names) > 1 else names[0]
    return t("{names} (required)", names=listed)


def blocking(ini) -> list:
    """The required approvals still missing: while there are any, the sponsor cannot proceed."""
    return [a for a in ini.approvals if a.required and a.decision != Decision.APPROVED]


def current(ini) -> int | None:
    """The stage that is asked now: the first with an approver still asked (None once none is)."""
    return min((a.stage for a in ini.approvals if a.decision == Decision.PENDING), default=None)


def rule_text(rule: str, size: int) -> str:
    """'every approver must approve', 'one approval is enough', '2 of 3 must approve'."""
    n = needed(rule, size)
    if rule == "any" or n == 1 < size:
        return t("one approval is enough")
    if n >= size:
        return t("every approver must approve")
    return tn("{n} of {size} must approve", "{n} of {size} must approve", n, size=size)


def label(ini, stage: int) -> str:
    """'stage 2 of 3', or '' for an initiative of one stage."""
    total = count(ini)
    return t("stage {number} of {total}", number=stage + 1, total=total) if total > 1 else ""


def heading(ini, stage: int) -> str:
    """'Stage 2 of 3': the label at the start of a line (a sentence, not `.capitalize()`, which German nouns break)."""
    return t("Stage {number} of {total}", number=stage + 1, total=count(ini))


def waiting_label(ini) -> str:
    """'stage 2 of 3: ' while a stage of several is asked, else ''."""
    stage = current(ini)
    # Translators: a stage label before what the stage waits on: 'stage 2 of 3: pending <@A> (2 business days)'
    return t("{stage}: ", stage=label(ini, stage)) if stage is not None and count(ini) > 1 else ""


def tally(ini, stage: int) -> str:
    """'1 of 3', or '1 of 2 needed' under a quorum, with the stage when there are several."""
    size = len(members(ini, stage))
    wanted = needed(rules(ini)[stage], size)
    got = approved_in(ini, stage)
    if wanted == size:
        text = t("{got} of {size}", got=got, size=size)
    else:
        text = t("{got} of {wanted} needed", got=got, wanted=wanted)
    where = label(ini, stage)
    # Translators: a tally of approvals and the stage it counts: '1 of 3, stage 2 of 3'
    return t("{tally}, {stage}", tally=text, stage=where) if where else text


def names(ini, stage: int) -> str:
    """The approvers of a stage who have not answered, as mentions."""
    return ", ".join(mention(a.approver_id) for a in members(ini, stage) if not a.decision.answered)


def outline(ini) -> str:
    """The approvers stage by stage: '<@A>, <@B> (every approver must approve), then <@C>'."""
    parts = []
    for n, rule in enumerate(rules(ini)):
        people = members(ini, n)
        people_text = ", ".join(mention(a.approver_id) for a in people)
        # Translators: the approvers of one stage and the rule it is complete by
        parts.append(t("{approvers} ({rule})", approvers=people_text, rule=rule_text(rule, len(people))))
    text = parts[0] if parts else ""
    for later in parts[1:]:
        # Translators: one stage of approvers, then the next: '<@A> (…), then <@C> (…)'
        text = t("{before}, then {after}", before=text, after=later)
    return text
