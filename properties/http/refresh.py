"""E6: a refresh token is spent by its use (a new pair comes back); presenting a spent one
revokes the whole family, the newest tokens included.

Model-based: each example logs in (a new family) and plays a random sequence of
"refresh with the newest token" and "replay an older one" against a model of the family.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.target import HttpTarget, log_in, patient_request, resolve_pointer

#: Statuses a refused refresh token may get.
REFUSED = (400, 401, 403)

#: ("rotate", _) uses the newest token; ("replay", n) an older one (n-th from the start).
actions = st.lists(
    st.one_of(st.tuples(st.just("rotate"), st.just(0)), st.tuples(st.just("replay"), st.integers(0, 100))),
    min_size=1,
    max_size=6,
)


def check_refresh_rotation(http: HttpTarget) -> None:
    login, path = http.settings.login, http.settings.refresh_path
    assert login is not None and path is not None and http.account.login_body, (
        "E6 needs [properties] login and refresh_path"
    )
    assert http.api.has_operation("POST", path), f"the OpenAPI document has no POST {path}"
    pointer = http.settings.refresh_token_pointer
    field = pointer.rsplit("/", 1)[-1]

    def refresh(token: str) -> Any:
        return patient_request(http.client, "POST", path, json={field: token})

    @over_http()
    @given(plays=actions)
    def spent_tokens_revoke_the_family(plays: list[tuple[str, int]]) -> None:
        _, grant = log_in(http.client, login, http.account.login_body)
        tokens = [resolve_pointer(grant, pointer)]
        assert isinstance(tokens[0], str), f"the login answer has no refresh token at {pointer}"
        revoked = False
        for action, pick in plays:
            if action == "replay" and len(tokens) > 1:
                old = tokens[pick % (len(tokens) - 1)]
                response = refresh(old)
                assert response.status_code in REFUSED, f"a spent refresh token was accepted ({response.status_code})"
                revoked = True
                continue
            response = refresh(tokens[-1])
            if revoked:
                assert response.status_code in REFUSED, (
                    f"after a spent token was replayed, the newest one still works ({response.status_code})"
                )
                continue
            assert response.status_code == 200, f"refresh with the newest token answered {response.status_code}"
            new = resolve_pointer(response.json(), pointer)
            assert isinstance(new, str) and new not in tokens, "refresh did not return a new refresh token"
            tokens.append(new)

    spent_tokens_revoke_the_family()
