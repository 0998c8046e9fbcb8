"""Shared test configuration: hypothesis profiles.

``ci`` (default) keeps the suite fast and deterministic; ``nightly`` runs many more
examples: ``HYPOTHESIS_PROFILE=nightly python -m pytest -m "slow or not slow"``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
