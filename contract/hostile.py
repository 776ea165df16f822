"""Hostile values in request bodies: NUL bytes and integers past 64 bits, on purpose.

Random generation rarely puts a NUL byte in a JSON string or an integer past 2**63 in a
body field, yet those are the values naive backends crash on (PostgreSQL refuses NUL in
text; int8 columns overflow). Parameters get them through Schemathesis's type-wide
dictionaries (:mod:`contract.settings`); bodies get them here, from a ``flatmap_body``
hook that offers, next to each generated body, variants with one leaf made hostile.

A variant is offered only when it is exactly as valid as the original against the
operation's body schema, so a positive case stays positive and the
``positive_data_acceptance`` check never blames the API for Gauntlet's mutation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

log = logging.getLogger(__name__)

#: What a string leaf becomes: a NUL byte after its value, or a bare NUL byte.
STRING_MUTATIONS: tuple[Callable[[str], str], ...] = (lambda s: s + "\x00", lambda s: "\x00")
#: What an integer leaf becomes: one past 64 bits (signed and unsigned), one past 32 bits.
HOSTILE_INTEGERS = (2**63, 2**64, 2**31)
#: Leaves mutated per body at most: bodies with hundreds of fields stay cheap.
MAX_VARIANTS = 12


def hostile_variants(body: Any) -> Iterator[Any]:
    """Copies of ``body`` with one string or integer leaf replaced by a hostile value."""
    count = 0
    for path, leaf in _leaves(body, ()):
        if isinstance(leaf, bool):
            continue
        if isinstance(leaf, str):
            replacements: tuple[Any, ...] = tuple(mutate(leaf) for mutate in STRING_MUTATIONS)
        elif isinstance(leaf, int):
            replacements = HOSTILE_INTEGERS
        else:
            continue
        for replacement in replacements:
            yield _replaced(body, path, replacement)
            count += 1
            if count >= MAX_VARIANTS:
                return


def _leaves(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _replaced(value: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    if not path:
        return replacement
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], tuple(rest), replacement)}
    copy = list(value)
    copy[head] = _replaced(value[head], tuple(rest), replacement)
    return copy


def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    """Schemathesis ``flatmap_body`` hook: the body as generated, or one of its hostile variants."""
    return _with_variants(body, _body_validity(context.operation), context.operation)


def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    """Schemathesis ``flatmap_query`` hook: the query as generated, or one of its hostile variants."""
    return _with_variants(query, _parameters_validity(context.operation, "query"), context.operation)


def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
    """Schemathesis ``flatmap_path_parameters`` hook, like :func:`flatmap_query`."""
    validity = _parameters_validity(context.operation, "path_parameters")
    return _with_variants(path_parameters, validity, context.operation)


#: The hooks above, by the Schemathesis hook name they implement.
HOOKS: dict[str, Callable[[Any, Any], st.SearchStrategy[Any]]] = {
    "flatmap_body": flatmap_body,
    "flatmap_query": flatmap_query,
    "flatmap_path_parameters": flatmap_path_parameters,
}


def _with_variants(value: Any, is_valid: Callable[[Any], bool] | None, operation: Any) -> st.SearchStrategy[Any]:
    if is_valid is None or not isinstance(value, dict | list) or not value:
        return st.just(value)
    try:
        original = is_valid(value)
        variants = [v for v in hostile_variants(value) if is_valid(v) == original]
    except Exception:  # a schema the validator cannot take: no variants, plain fuzzing
        log.debug("no hostile variants for %s", operation.label, exc_info=True)
        return st.just(value)
    if not variants:
        return st.just(value)
    return st.one_of(st.just(value), st.sampled_from(variants))


def _body_validity(operation: Any) -> Callable[[Any], bool] | None:
    from schemathesis.core.jsonschema import make_validator

    try:
        body = next((b for b in operation.body if "json" in (b.media_type or "")), None)
        if body is None:
            return None
        validator = make_validator(body.optimized_schema, operation.schema.adapter.jsonschema_validator_cls)
    except Exception:  # best effort: without a validator, no variants
        log.debug("no body validator for %s", getattr(operation, "label", operation), exc_info=True)
        return None
    return validator.is_valid


def _parameters_validity(operation: Any, location: str) -> Callable[[Any], bool] | None:
    try:
        validator = getattr(operation, location).get_strict_validator()
    except Exception:  # best effort: without a validator, no variants
        log.debug("no %s validator for %s", location, getattr(operation, "label", operation), exc_info=True)
        return None
    return validator.is_valid  # type: ignore[no-any-return]
