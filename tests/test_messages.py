"""Diagnostics in bulk: messages as the rule files say, rendered once per distinct input, values
shown within 60 characters whatever their size, and the diagnostics themselves ordinary immutable
records."""

from __future__ import annotations

import copy
import enum
import gc
import json
import math
import pickle
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from pinrules import Diagnostic, Preflight, Severity, did_you_mean

from .helpers import write
from .strategies import json_values

GOOD = {"id": "soup-01", "title": "Soup", "media": [{"kind": "image", "url": "https://cdn.example.com/soup.jpg"}],
        "options": {"pinterest": {"boardId": "549755885175"}}}  # fmt: skip


def _shown(value: Any) -> str:
    """What {value} showed before it was bounded: json.dumps of the whole value, then cut."""
    text = json.dumps(value, ensure_ascii=False, default=repr)
    if len(text) > 60:
        text = text[:59] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@pytest.fixture(scope="module")
def shows(tmp_path_factory: pytest.TempPathFactory) -> Preflight:
    """A house rule that reports whatever is at /v, with every value placeholder."""
    folder = tmp_path_factory.mktemp("rules")
    rule = {
        "code": "house.shows.value", "severity": "info", "phase": "static", "summary": "Shows /v.",
        "message": "{value}|{length}|{type}|{key}", "fix": "Nothing.", "given": "/v",
        "then": {"path": "/☃", "exists": True},
        "examples": {"pass": [{"post": {}}], "fail": [{"post": {"v": 1}}]},
    }  # fmt: skip
    write(folder / "house.shows.value.yaml", json.dumps(rule))
    return Preflight([folder], select=["house"])


def _message(preflight: Preflight, value: Any) -> str:
    (diagnostic,) = preflight.check({"v": value})
    return diagnostic.message


class Color(enum.IntEnum):
    RED = 1


class TestValuePlaceholder:
    @settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=json_values)
    def test_shows_what_json_dumps_showed(self, shows: Preflight, value: Any) -> None:
        """{value} is the value's JSON cut to 60 characters, as before it was bounded; the other
        placeholders too; and a second post with the same value gets the same message."""
        if isinstance(value, dict) and "☃" in value:
            return  # the rule passes on such a value
        length = str(len(value)) if isinstance(value, str | list | dict) else "?"
        kinds = {str: "string", list: "array", dict: "object", bool: "boolean", type(None): "null"}
        kind = kinds.get(type(value)) or ("integer" if float(value).is_integer() else "number")
        expected = f"{_shown(value)}|{length}|{kind}|v"
        assert _message(shows, value) == expected
        assert _message(shows, copy.deepcopy(value)) == expected

    @pytest.mark.parametrize(
        "value",
        [math.nan, math.inf, -math.inf, -0.0, 0.0, 1e300, 10**40, True, False, None, "\udfaa", "x" * 59,
         "x" * 60, "x" * 61, "é\n\t\"" * 30, (1, "a"), Color.RED, {1: 2, 1.5: 3, None: 4, False: 5},
         [[[["deep"]]]], {"a": {"b": [1, 2.5, None]}}],
    )  # fmt: skip
    def test_python_values_as_json_dumps_shows_them(self, shows: Preflight, value: Any) -> None:
        """Values only a Python caller can pass (NaN, tuples, enums, non-string keys) show as
        json.dumps shows them; 0.0 and -0.0 keep their own messages."""
        assert _message(shows, value).split("|")[0] == _shown(value)

    def test_a_huge_value_shows_its_start_without_being_serialized_whole(self, shows: Preflight) -> None:
        """Values json.dumps cannot even serialize (100,000 levels deep, circular, an integer of
        10,000 digits) show their first characters: only what is shown is ever written."""
        deep: list[Any] = []
        for _ in range(100_000):
            deep = [deep]
        with pytest.raises(RecursionError):
            json.dumps(deep)
        assert _message(shows, deep).split("|")[0] == "[" * 59 + "…"
        circular: list[Any] = [1]
        circular.append(circular)
        assert _message(shows, circular).startswith("[1, [1, [1, ")
        wide = {f"k{n}": "v" * 10_000 for n in range(10_000)}
        assert _message(shows, wide).split("|")[0] == _shown({"k0": "v" * 10_000})
        big = 10**10_000
        assert "10,000 digits" in _message(shows, big) or "9,99" in _message(shows, big)

    def test_a_value_that_is_no_json_shows_its_repr(self, shows: Preflight) -> None:
        """An object that is no JSON value shows as its repr, quoted (json.dumps' default=repr)."""
        assert _message(shows, Path("a.jpg")).split("|")[0] == json.dumps(repr(Path("a.jpg")))


class TestRenderedOnce:
    def test_one_suggestion_per_distinct_key(self) -> None:
        """'Did you mean' is worked out once per misspelt key, however many posts have it."""
        preflight = Preflight()
        posts = [{**GOOD, "id": f"soup-{n}", "Titel": "Soup", "imageAlt": n} for n in range(500)]
        before = did_you_mean.cache_info()
        found = [preflight.check(post) for post in posts]
        after = did_you_mean.cache_info()
        assert (after.hits + after.misses) - (before.hits + before.misses) <= 2
        messages = {d.message for diagnostics in found for d in diagnostics}
        assert messages == {"unknown field 'Titel' (did you mean 'title'?)", "unknown field 'imageAlt'"}

    def test_the_same_finding_shares_one_message(self, preflight: Preflight) -> None:
        """Two posts with the same mistake get the very same message string: rendered once."""
        first, second = (preflight.check({**GOOD, "id": n, "Title": "x"}) for n in (1, 2))
        assert [d.message for d in first] == [d.message for d in second]
        assert all(a.message is b.message for a, b in zip(first, second, strict=True))

    def test_many_distinct_keys_keep_right_messages_and_flat_memory(self) -> None:
        """Distinct unknown keys each get their own right message, and what is kept for reuse
        is bounded: 30,000 distinct keys keep under 3 MB, hardly more than 10,000 do; and a key
        met again after them is remembered again (a full memo starts over)."""
        preflight = Preflight()

        def check(first: int) -> int:
            """Memory kept after checking 10,000 posts with new keys from `first` on."""
            for n in range(first, first + 10_000):
                (diagnostic,) = preflight.check({**GOOD, f"extra{n:05d}": n})
                assert diagnostic.message == f"unknown field 'extra{n:05d}'"
            gc.collect()
            return tracemalloc.get_traced_memory()[0]

        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            kept = [check(first) - start for first in (0, 10_000, 20_000)]
        finally:
            tracemalloc.stop()
        assert kept[-1] < 3_000_000, kept
        assert kept[-1] - kept[0] < 1_000_000, kept
        before = did_you_mean.cache_info()
        for _ in range(100):
            (again,) = preflight.check({**GOOD, "Titel": 1})
        after = did_you_mean.cache_info()
        assert again.message == "unknown field 'Titel' (did you mean 'title'?)"
        assert (after.hits + after.misses) - (before.hits + before.misses) == 1


class TestDiagnosticObjects:
    def test_built_diagnostics_are_ordinary_immutable_records(self, preflight: Preflight) -> None:
        """What check returns equals, hashes, pickles, copies and refuses changes like a
        Diagnostic made by its constructor; it is no tuple, so JSON encoders refuse it rather
        than write a list."""
        (found,) = preflight.check({**GOOD, "Title": "x"})
        made = Diagnostic(found.rule, Severity.ERROR, found.message, found.fix, found.pointer)
        assert type(found) is Diagnostic
        assert found == made
        assert hash(found) == hash(made)
        assert pickle.loads(pickle.dumps(found)) == found
        assert copy.copy(found) == found
        assert copy.deepcopy(found) == found
        assert found.replace(line=3).line == 3
        assert found.replace(line=3) != found
        assert found.to_dict() == {"rule": made.rule, "severity": "error", "message": made.message,
                                   "fix": made.fix, "pointer": made.pointer, "file": None, "line": None,
                                   "column": None}  # fmt: skip
        assert found != tuple(found.to_dict().values())
        assert repr(found).startswith(f"Diagnostic(rule={found.rule!r}, severity=")
        with pytest.raises(AttributeError):
            found.message = "changed"
        with pytest.raises(TypeError):
            json.dumps(found)
        match found:
            case Diagnostic(rule, _, message):
                assert (rule, message) == (made.rule, made.message)


class TestHttpUrls:
    @pytest.mark.parametrize(
        ("url", "good"),
        [("HTTPS://Example.com/a", True), ("http://user@example.com:8080/x", True),
         ("example.com/recipes", False), ("/recipes/soup", False), ("ftp://example.com/a", False),
         ("mailto:a@example.com", False), ("https:/example.com", False), ("http://exa mple.com", False)],
    )  # fmt: skip
    def test_destination_urls(self, preflight: Preflight, url: str, good: bool) -> None:
        """Only absolute http(s) URLs with a host pass, whatever the case of the scheme."""
        post = {**GOOD, "options": {"pinterest": {"boardId": "549755885175", "destinationUrl": url}}}
        codes = {d.rule for d in preflight.check(post)}
        assert ("pinterest.destination_url.http" not in codes) is good
