"""Slack's limits for messages and views, checked on everything the app sends to the fake Slack (see conftest)."""

from __future__ import annotations

import json
from datetime import date

VIEW_METHODS = ("views.open", "views.push", "views.update", "views.publish")


def _text(obj, limit: int, where: str, problems: list[str], *, plain: bool = False) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        problems.append(f"{where}: missing text object")
        return
    if plain and obj.get("type") != "plain_text":
        problems.append(f"{where}: must be plain_text")
    if not obj["text"].strip():
        problems.append(f"{where}: empty text")
    if len(obj["text"]) > limit:
        problems.append(f"{where}: text of {len(obj['text'])} characters, over {limit}")


def _element(el: dict, where: str, problems: list[str]) -> None:
    kind = el.get("type")
    if len(el.get("action_id", "")) > 255:
        problems.append(f"{where}: action_id over 255")
    if "placeholder" in el:
        _text(el["placeholder"], 150, f"{where} placeholder", problems, plain=True)
    if kind == "button":
        _text(el.get("text"), 75, f"{where} button", problems, plain=True)
        if len(el.get("value", "")) > 2000:
            problems.append(f"{where}: button value over 2000")
        # -- confirmation dialog object on a button (added for Proceed and report / Withdraw): title 100,
        # text 300, confirm and deny 30 characters, plain_text except the text; style primary or danger.
        if "confirm" in el:
            c = el["confirm"]
            _text(c.get("title"), 100, f"{where} confirm title", problems, plain=True)
            _text(c.get("text"), 300, f"{where} confirm text", problems)
            _text(c.get("confirm"), 30, f"{where} confirm button", problems, plain=True)
            _text(c.get("deny"), 30, f"{where} deny button", problems, plain=True)
            if c.get("style", "primary") not in ("primary", "danger"):
                problems.append(f"{where}: confirm style {c.get('style')!r}")
    # -- overflow menu (added for the longer snoozes): 2 to 5 options, text 75, value 150 --
    elif kind == "overflow":
        options = el.get("options") or []
        if not 2 <= len(options) <= 5:
            problems.append(f"{where}: overflow with {len(options)} options")
        for o in options:
            _text(o.get("text"), 75, f"{where} overflow option", problems, plain=True)
            if len(o.get("value", "")) > 150:
                problems.append(f"{where}: option value over 150")
    elif kind == "static_select":
        options = el.get("options") or []
        if not 1 <= len(options) <= 100:
            problems.append(f"{where}: {len(options)} options")
        for o in options + ([el["initial_option"]] if "initial_option" in el else []):
            _text(o.get("text"), 75, f"{where} option", problems, plain=True)
            if len(o.get("value", "")) > 150:
                problems.append(f"{where}: option value over 150")
        if "initial_option" in el and el["initial_option"] not in options:
            problems.append(f"{where}: initial_option is not one of the options")
    elif kind == "plain_text_input":
        if not 0 < el.get("max_length", 3000) <= 3000:
            problems.append(f"{where}: max_length must be 1..3000")
    elif kind == "multi_users_select":
        if not 1 <= el.get("max_selected_items", 1) <= 100:
            problems.append(f"{where}: max_selected_items")
    elif kind == "datepicker":
        if "initial_date" in el:
            date.fromisoformat(el["initial_date"])
    elif kind not in ("users_select", "conversations_select", "channels_select", "checkboxes", "radio_buttons"):
        problems.append(f"{where}: unexpected element {kind}")


def view_problems(view: dict) -> list[str]:
    """Everything in a view that Slack would refuse (views.open / views.publish / response_action update)."""
    problems: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        problems.append(f"view type {kind!r}")
    blocks = view.get("blocks") or []
    if not 0 < len(blocks) <= 100:
        problems.append(f"{len(blocks)} blocks; a {kind} takes 1 to 100")
    if len(view.get("private_metadata") or "") > 3000:
        problems.append(f"private_metadata of {len(view['private_metadata'])} characters, over 3000")
    if len(view.get("callback_id") or "") > 255:
        problems.append("callback_id over 255")
    if kind == "modal":
        _text(view.get("title"), 24, "title", problems, plain=True)
        for key in ("submit", "close"):
            if key in view:
                _text(view[key], 24, key, problems, plain=True)
        if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
            problems.append("a modal with inputs needs a submit button")
    problems += blocks_problems(blocks)
    json.dumps(view)  # what is sent must be JSON
    return problems


def blocks_problems(blocks: list[dict]) -> list[str]:
    """What Slack would refuse in a list of blocks (of a message or a view)."""
    problems: list[str] = []
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    for n, block in enumerate(blocks):
        where = f"block {n} ({block.get('type')})"
        if len(block.get("block_id", "")) > 255:
            problems.append(f"{where}: block_id over 255")
        btype = block.get("type")
        if btype == "section":
            if "text" not in block and not block.get("fields"):
                problems.append(f"{where}: no text")
            if "text" in block:
                _text(block["text"], 3000, where, problems)
            for f in block.get("fields") or []:
                _text(f, 2000, f"{where} field", problems)
            if len(block.get("fields") or []) > 10:
                problems.append(f"{where}: over 10 fields")
            if "accessory" in block:
                _element(block["accessory"], where, problems)
        elif btype == "header":
            _text(block.get("text"), 150, where, problems, plain=True)
        elif btype == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                problems.append(f"{where}: {len(elements)} elements")
            for el in elements:
                _text(el, 3000, where, problems)
        elif btype == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                problems.append(f"{where}: {len(elements)} elements")
            ids = [e.get("action_id") for e in elements]
            if len(ids) != len(set(ids)):
                problems.append(f"{where}: duplicate action_id")
            for el in elements:
                _element(el, where, problems)
        elif btype == "input":
            _text(block.get("label"), 2000, f"{where} label", problems, plain=True)
            if "hint" in block:
                _text(block["hint"], 2000, f"{where} hint", problems, plain=True)
            _element(block.get("element") or {}, where, problems)
        elif btype != "divider":
            problems.append(f"{where}: unexpected block type")
    return problems


MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")


def message_problems(message: dict) -> list[str]:
    """What Slack would refuse in a message: over 50 blocks, over-long texts, malformed blocks."""
    blocks = message.get("blocks") or []
    problems = [f"{len(blocks)} blocks; a message takes at most 50"] if len(blocks) > 50 else []
    if len(message.get("text") or "") > 40000:
        problems.append("message text over 40,000 characters")
    return problems + blocks_problems(blocks)


def assert_recorded_within_limits(fake) -> None:
    """Check every message and view the app sent to the fake Slack."""
    for call in fake.calls():
        if call.method in VIEW_METHODS:
            problems = view_problems(call.args["view"])
        elif call.method in MESSAGE_METHODS:
            problems = message_problems(call.args)
        else:
            continue
        assert not problems, f"{call.method} breaks Slack's limits: {problems}"


def assert_within_limits(view: dict) -> None:
    problems = view_problems(view)
    assert not problems, f"view breaks Slack's limits: {problems}"
