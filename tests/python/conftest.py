"""pytest configuration: a seeded random generator and a hypothesis profile."""

import numpy as np
import pytest
from hypothesis import settings

# Array ops can take a while on the first call (thread pool start-up).
settings.register_profile("ember", deadline=None, max_examples=60)
settings.load_profile("ember")


@pytest.fixture
def rng():
    """A fresh, seeded generator per test, so failures reproduce."""
    return np.random.default_rng(1234)
