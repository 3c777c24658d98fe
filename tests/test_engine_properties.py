"""Properties of the engine over generated posts (hypothesis)."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinrules import located, to_pointer

from . import reference
from .strategies import MUTATIONS, json_objects, json_values, valid_posts

SETTINGS = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
accounts = st.none() | st.fixed_dictionaries({}, optional={"defaultBoardId": st.text(max_size=5)})


class TestTotality:
    @SETTINGS
    @given(post=json_values | json_objects, account=accounts | json_values)
    def test_any_json_value_gives_a_list_of_diagnostics(self, preflight, post, account) -> None:
        """Whatever JSON comes in, check returns diagnostics and never raises."""
        result = preflight.check(post, account)
        assert isinstance(result, list)
        assert all(d.rule and d.message and d.fix for d in result)


class TestValidPosts:
    @SETTINGS
    @given(post=valid_posts())
    def test_generated_valid_posts_have_no_errors(self, preflight, post) -> None:
        """A post built within every documented limit passes the static phase."""
        assert [d for d in preflight.check(post) if d.is_error] == []


class TestMutations:
    @pytest.mark.parametrize("name", MUTATIONS)
    @SETTINGS
    @given(post=valid_posts())
    def test_one_targeted_mutation_gives_exactly_its_code(self, preflight, name, post) -> None:
        """Breaking one thing in a valid post gives that thing's code and nothing else."""
        mutate, expected = MUTATIONS[name]
        broken = mutate(copy.deepcopy(post))
        assert {d.rule for d in preflight.check(broken)} == {expected}


class TestAgreesWithReference:
    @SETTINGS
    @given(post=json_values | json_objects | valid_posts(), account=accounts)
    def test_compiled_engine_equals_plain_interpreter(self, preflight, post, account) -> None:
        """The generated code finds exactly what a direct reading of the rule files finds."""
        expected = reference.findings(preflight.rules, post, account)
        assert [(d.rule, d.pointer) for d in preflight.check(post, account)] == [
            (code, to_pointer(where)) for code, where in expected
        ]

    @SETTINGS
    @given(post=valid_posts(), name=st.sampled_from(sorted(MUTATIONS)))
    def test_agreement_on_mutated_posts(self, preflight, post, name) -> None:
        """The same agreement on posts one step away from valid, where rules fire."""
        broken = MUTATIONS[name][0](copy.deepcopy(post))
        expected = reference.findings(preflight.rules, broken)
        assert [(d.rule, d.pointer) for d in preflight.check(broken)] == [
            (code, to_pointer(where)) for code, where in expected
        ]


class TestEdgeValues:
    def test_nan_from_a_library_caller_is_reported_not_raised(self, preflight) -> None:
        """A float NaN size (only possible from Python) is a finding, not a crash."""
        post = {"media": [{"kind": "image", "path": "a.jpg", "sizeBytes": math.nan}],
                "options": {"pinterest": {"boardId": "1"}}}  # fmt: skip
        assert {d.rule for d in preflight.check(post)} == {"post.field.type"}

    def test_true_is_not_one(self, preflight) -> None:
        """JSON true is a boolean, not the integer 1: sizeBytes true is a type error."""
        post = {"media": [{"kind": "image", "path": "a.jpg", "sizeBytes": True}],
                "options": {"pinterest": {"boardId": "1"}}}  # fmt: skip
        assert [d.rule for d in preflight.check(post)] == ["post.field.type"]

    def test_located_turns_indexes_into_ints(self) -> None:
        """A reported '/1' under an array is item 1, so its position can be found."""
        assert located({"media": [1, 2]}, ("media", "1")) == ("media", 1)
