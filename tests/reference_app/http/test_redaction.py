from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_app.http.redaction import REDACTED, TOO_DEEP, Redactor, luhn_valid

MARKER = "S3CR3T"
SENSITIVE_NAMES = [
    "password",
    "secret",
    "token",
    "access_token",
    "refresh_token",
    "api_key",
    "authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "client_secret",
    "private_key",
    "card_number",
    "cvv",
    "ssn",
    "github_token",
    "webhook_secret",
    "db_password",
]


def with_check_digit(body: str) -> str:
    for digit in "0123456789":
        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError("unreachable")


# --- strategies --------------------------------------------------------------

sensitive_keys = st.builds(
    lambda name, upper, dash: (name.upper() if upper else name).replace("_", "-" if dash else "_"),
    st.sampled_from(SENSITIVE_NAMES),
    st.booleans(),
    st.booleans(),
)

card_numbers = st.integers(min_value=13, max_value=19).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n - 1, max_size=n - 1).map(with_check_digit)
)
#: Text around planted secrets: no digits glued to a card, no quotes (kept simple).
filler = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Nd"]), max_size=12)
tokens = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=4, max_size=30)
safe_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(
    lambda k: not Redactor().is_sensitive_key(k) and k not in Redactor().identifier_keys
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False), filler)


def formatted(card: str, separator: str) -> str:
    if not separator:
        return card
    return separator.join(card[i : i + 4] for i in range(0, len(card), 4))


def draw_secret_text(data: st.DataObject, cards: list[str]) -> str:
    kind = data.draw(st.sampled_from(["bearer", "jwt", "card", "pair"]))
    before, after = data.draw(filler), data.draw(filler)
    if kind == "bearer":
        secret = f"{data.draw(st.sampled_from(['Bearer', 'bearer', 'BEARER']))} {MARKER}{data.draw(tokens)}"
    elif kind == "jwt":
        secret = f"eyJ{MARKER}{data.draw(tokens)}.{MARKER}{data.draw(tokens)}.{MARKER}{data.draw(tokens)}"
    elif kind == "pair":
        secret = f"{data.draw(sensitive_keys)}={MARKER}{data.draw(tokens)}"
    else:
        card = data.draw(card_numbers)
        cards.append(card)
        secret = formatted(card, data.draw(st.sampled_from(["", " ", "-"])))
    return f"{before} {secret} {after}"


def draw_tree(data: st.DataObject, depth: int, cards: list[str]) -> Any:
    kinds = ["scalar", "secret_text", "card_int"] + (["list", "dict", "tuple"] if depth < 13 else [])
    kind = data.draw(st.sampled_from(kinds))
    if kind == "scalar":
        return data.draw(scalars)
    if kind == "secret_text":
        return draw_secret_text(data, cards)
    if kind == "card_int":
        card = data.draw(card_numbers)
        cards.append(card)
        return int(card)
    size = data.draw(st.integers(0, 3))
    children = [draw_tree(data, depth + 1, cards) for _ in range(size)]
    if kind == "list":
        return children
    if kind == "tuple":
        return tuple(children)
    node: dict[str, Any] = {data.draw(safe_keys): child for child in children}
    if data.draw(st.booleans()):
        # A sensitive key hides its whole value, whatever it holds.
        node[data.draw(sensitive_keys)] = data.draw(
            st.one_of(tokens.map(lambda t: MARKER + t), st.lists(tokens.map(lambda t: MARKER + t), max_size=2))
        )
    return node


# --- properties ----------------------------------------------------------------


@given(st.data())
def test_planted_secrets_never_appear_in_the_output(data):
    cards: list[str] = []
    event = {"event": "something happened", "payload": draw_tree(data, 0, cards)}
    original = copy.deepcopy(event)
    output = json.dumps(Redactor().redact(event), default=str)
    assert MARKER not in output
    squashed = re.sub(r"[ -]", "", output)
    for card in cards:
        assert card not in squashed
    assert event == original  # the input is never modified


@given(card_numbers, st.sampled_from(["", " ", "-"]))
def test_cards_are_masked_to_their_last_four(card, separator):
    text = f"paid with {formatted(card, separator)} today"
    assert Redactor().redact(text) == f"paid with ****{card[-4:]} today"


@given(st.text(alphabet="0123456789", min_size=13, max_size=19).filter(lambda d: not luhn_valid(d)))
def test_luhn_invalid_numbers_are_left_alone(digits):
    assert Redactor().redact(f"order {digits}") == f"order {digits}"


# --- examples ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "X-Api-Key",
        "x_api_key",
        "client-secret",
        "CLIENT_SECRET",
        "refresh_token",
        "Refresh-Token",
        "Authorization",
        "Set-Cookie",
        "stripe_secret",
        "github-token",
        "DB_PASSWORD",
        "SSN",
        "cvv",
    ],
)
def test_key_variants_are_redacted(key):
    assert Redactor().redact({key: "v", "ok": "kept"}) == {key: REDACTED, "ok": "kept"}


@pytest.mark.parametrize("key", ["tokens_used", "token_count", "author", "secretary_name", "passing"])
def test_innocent_keys_are_kept(key):
    assert Redactor().redact({key: "v"}) == {key: "v"}


def test_nested_dicts_and_lists_are_walked():
    event = {"request": {"headers": [{"Cookie": "sid=1"}, {"accept": "json"}], "body": {"user": {"password": "pw"}}}}
    assert Redactor().redact(event) == {
        "request": {"headers": [{"Cookie": REDACTED}, {"accept": "json"}], "body": {"user": {"password": REDACTED}}}
    }


def test_depth_is_bounded_at_ten():
    deep: dict[str, Any] = {"password": "pw", "note": "deepest"}
    for _ in range(12):
        deep = {"k": deep}
    redacted = Redactor().redact(deep)
    node = redacted
    levels = 0
    while isinstance(node, dict):
        node = node["k"]
        levels += 1
    assert levels == 10
    assert node == TOO_DEEP
    shallow = {"a": {"b": {"password": "pw"}}}
    assert Redactor().redact(shallow) == {"a": {"b": {"password": REDACTED}}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi~jkl", f"Authorization: Bearer {REDACTED}"),
        ("basic dXNlcjpwYXNz==", f"basic {REDACTED}"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x here", f"jwt {REDACTED} here"),
        ("unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", f"unsigned {REDACTED}"),
        ("/cb?code=1&access_token=abc123&x=1", f"/cb?code=1&access_token={REDACTED}&x=1"),
        ('{"password": "hunter2"}', f'{{"password": "{REDACTED}"}}'),
        ("ref 7 4111 1111 1111 1111 ok", "ref 7 ****1111 ok"),
        ("two 4111111111111111 5500-0000-0000-0004", "two ****1111 ****0004"),
        ("a 25-digit run 1234567890123456789012345", "a 25-digit run 1234567890123456789012345"),
        ("nothing to see", "nothing to see"),
    ],
)
def test_value_rules(text, expected):
    assert Redactor().redact(text) == expected


def test_card_numbers_as_ints_are_masked():
    assert Redactor().redact({"n": 4111111111111111, "small": 42}) == {"n": "****1111", "small": 42}


def test_identifier_keys_skip_value_rules_but_nothing_else_does():
    redacted = Redactor().redact({"correlation_id": "4111111111111111", "other": "4111111111111111"})
    assert redacted == {"correlation_id": "4111111111111111", "other": "****1111"}


def test_other_types_are_logged_as_redacted_text():
    class Opaque:
        def __str__(self) -> str:
            return "Opaque(token=abc)"

    redacted = Redactor().redact({"o": Opaque(), "b": b"Bearer xyz", "s": {"Bearer q"}})
    assert redacted == {"o": f"Opaque(token={REDACTED})", "b": f"Bearer {REDACTED}", "s": [f"Bearer {REDACTED}"]}


def test_it_is_a_structlog_processor():
    assert Redactor()(None, "info", {"event": "x", "api_key": "k"}) == {"event": "x", "api_key": REDACTED}
