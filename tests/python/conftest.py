"""pytest configuration: a seeded random generator and a hypothesis profile."""

import os

import numpy as np
import pytest
from hypothesis import settings

# Array ops can take a while on the first call (thread pool start-up). The
# default profile draws the same examples every run, so CI is repeatable;
# HYPOTHESIS_PROFILE=explore searches fresh ones.
settings.register_profile(
    "ember", deadline=None, max_examples=60, derandomize=True, database=None
)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ember"))


@pytest.fixture
def rng():
    """A fresh, seeded generator per test, so failures reproduce."""
    return np.random.default_rng(1234)
