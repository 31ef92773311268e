"""Templates: a workspace's named ways of asking for sign-off. Anyone may save one and use one; its creator or a
workspace admin may delete it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import stages
from bot.i18n import t
from bot.parsing import Draft
from bot.services import Refusal, record_change
from bot.services.initiatives import RegistrationInvalid, validate
from bot.services.settings import may_change
from bot.services.workspaces import workspace
from bot.text import channel_link, mention
from storage.models import Template

MAX_TEMPLATES = 100  # what the registration form's select can offer
FIELDS = ("approver_ids", "stage_of", "required", "sponsor_id", "rule", "channel_id")
# Rules of a registration that a template cannot break yet: the title, deadline and channel come when it is used.
LATER = ("title", "deadline", "channel")


def _unknown(name: str) -> Refusal:
    return Refusal(
        t(
            "There is no template {name} in this workspace. `/greenlight template list` shows them.",
            name=f"`{name}`",
        )
    )


def find(session: Session, team_id: str, name: str) -> Template:
    template = session.scalar(select(Template).where(Template.team_id == team_id, Template.name == name))
    if template is None:
        raise _unknown(name)
    return template


def names(session: Session, team_id: str) -> list[str]:
    """The workspace's templates, by name (for the registration form)."""
    return list(session.scalars(select(Template.name).where(Template.team_id == team_id).order_by(Template.name)))


def save(session: Session, team_id: str, user_id: str, name: str, draft: Draft, now: datetime) -> str:
    """Save a template under a name not taken yet; its approvers and sponsor must be fit to register with."""
    if session.scalar(select(Template.id).where(Template.team_id == team_id, Template.name == name)):
        raise Refusal(
            t(
                "There is already a template {name}. Pick another name, or delete it first ({command}). Nothing changed.",
                name=f"`{name}`",
                command=f"`/greenlight template delete {name}`",
            )
        )
    if session.scalar(select(func.count(Template.id)).where(Template.team_id == team_id)) >= MAX_TEMPLATES:
        raise Refusal(
            t("This workspace has {most} templates, the most it can keep. Delete one first.", most=MAX_TEMPLATES)
        )
    ws = workspace(session, team_id, now=now)
    errors = validate(session, ws, "", replace(draft, title=name, channel_id=draft.channel_id or "-"), now)
    problems = [text for field, text in errors.items() if field not in LATER]
    if problems:
        raise Refusal(t("I couldn't save that template:\n{problems}", problems="\n".join(f"• {p}" for p in problems)))
    fields = {f: list(v) if isinstance(v := getattr(draft, f), tuple) else v for f in FIELDS}
    session.add(Template(team_id=team_id, name=name, creator_id=user_id, draft=fields, created_at=now))
    record_change(session, team_id, user_id, "template_saved", now, name=name, **fields)
    return t(
        "Saved the template {name}: {description}. Anyone can use it: {command} (add `in 10 days` for another deadline).",
        name=f"`{name}`",
        description=describe(fields),
        command=f"`/greenlight new <title> using {name}`",
    )


def describe(fields: dict) -> str:
    """'<@A>, <@B> (every approver must approve), then <@C> (…); sponsor <@S>; required …; announced in #c'."""
    stage_of = fields["stage_of"] or [0] * len(fields["approver_ids"])
    per_stage = [
        [u for u, s in zip(fields["approver_ids"], stage_of) if s == n] for n in range(1 + max(stage_of, default=0))
    ]
    rules = fields["rule"].split(",")
    parts = [
        t(
            "{people} ({rule})",
            people=", ".join(mention(u) for u in people),
            rule=stages.rule_text(rules[min(n, len(rules) - 1)], len(people)),
        )
        for n, people in enumerate(per_stage)
    ]
    asked = parts[0] if parts else ""
    for later in parts[1:]:
        asked = t("{earlier}, then {later}", earlier=asked, later=later)
    clauses = [asked, t("sponsor {sponsor}", sponsor=mention(fields["sponsor_id"]))]
    if fields["required"]:
        clauses.append(t("required: {people}", people=", ".join(mention(u) for u in fields["required"])))
    if fields["channel_id"]:
        clauses.append(t("announced in {channel}", channel=channel_link(fields["channel_id"])))
    return "; ".join(clauses)


def listing(session: Session, team_id: str) -> str:
    """Every template of the workspace, with what it asks and who saved it."""
    found = list(session.scalars(select(Template).where(Template.team_id == team_id).order_by(Template.name)))
    if not found:
        return t(
            "This workspace has no templates yet. Save one with "
            "`/greenlight template save hiring approvers @hr then @finance sponsor @coo`."
        )
    lines = [
        t(
            "• {name}: {description} (saved by {creator})",
            name=f"`{tpl.name}`",
            description=describe(tpl.draft),
            creator=mention(tpl.creator_id),
        )
        for tpl in found
    ]
    return t("*Templates* (use one with `/greenlight new <title> using <name>`)") + "\n" + "\n".join(lines)


def delete(session: Session, team_id: str, user_id: str, name: str, now: datetime, admins: frozenset[str]) -> str:
    """Delete a template: its creator, or a workspace admin."""
    template = find(session, team_id, name)
    if user_id != template.creator_id and not may_change(session, team_id, user_id, admins):
        raise Refusal(
            t(
                "Only {creator}, who saved {name}, or a workspace admin can delete it. Nothing changed.",
                creator=mention(template.creator_id),
                name=f"`{name}`",
            )
        )
    session.delete(template)
    record_change(session, team_id, user_id, "template_deleted", now, name=name)
    return t("Deleted the template {name}. Initiatives registered with it keep their approvers.", name=f"`{name}`")


def fill(session: Session, team_id: str, draft: Draft, here: str | None = None) -> Draft:
    """The draft with its template's approvers, stages, required approvers, sponsor and rule, and its channel unless
    the draft names one (else `here`). A form that names approvers or a sponsor as well is refused."""
    if not draft.template:
        return draft
    if draft.approver_ids or draft.sponsor_id:
        raise RegistrationInvalid(
            {"template": t("Choose a template, or name the approvers and the sponsor yourself; not both.")}
        )
    template = session.scalar(select(Template).where(Template.team_id == team_id, Template.name == draft.template))
    if template is None:
        raise RegistrationInvalid({"template": str(_unknown(draft.template))})
    saved = template.draft
    return replace(
        draft,
        approver_ids=tuple(saved["approver_ids"]),
        stage_of=tuple(saved["stage_of"]),
        required=tuple(saved["required"]),
        sponsor_id=saved["sponsor_id"],
        rule=saved["rule"],
        channel_id=draft.channel_id or saved["channel_id"] or here,
    )
