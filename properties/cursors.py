"""Cursors a client could send after changing a real one (properties 4, http and component)."""

from __future__ import annotations

import base64

from hypothesis import strategies as st


def tampered(cursor: str) -> st.SearchStrategy[str]:
    """Cursors a client could send after changing a real one, and plain garbage."""
    raw = cursor.encode()
    return st.one_of(
        st.integers(0, max(len(cursor) - 1, 0)).flatmap(
            lambda i: st.sampled_from("AZaz09-_.=").filter(lambda c: c != cursor[i]).map(
                lambda c: cursor[:i] + c + cursor[i + 1:])),
        st.integers(0, max(len(cursor) - 1, 0)).map(lambda n: cursor[:n]),
        st.text(min_size=1, max_size=600),
        st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        st.just(base64.urlsafe_b64encode(raw[::-1]).decode()),
        st.just(cursor + cursor),
    ).filter(lambda c: c != cursor)  # fmt: skip


#: How to alter a cursor not known yet (drawn before it exists): (kind, position, text).
alterations = st.tuples(
    st.sampled_from(["replace", "truncate", "garbage", "reverse", "double"]),
    st.integers(0, 10_000),
    st.text(min_size=1, max_size=40),
)


def altered(cursor: str, alteration: tuple[str, int, str]) -> str:
    """``cursor`` changed as ``alteration`` says; never ``cursor`` itself."""
    kind, position, text = alteration
    index = position % len(cursor)
    if kind == "replace":
        swap = "AZaz09-_."
        return cursor[:index] + next(c for c in swap if c != cursor[index]) + cursor[index + 1 :]
    if kind == "truncate":
        return cursor[:index]
    if kind == "garbage":
        return text if text != cursor else text + "x"
    if kind == "reverse":
        return base64.urlsafe_b64encode(cursor.encode()[::-1]).decode()
    return cursor + cursor
