"""Hypothesis profiles "ci" (the default), "matrix", "dev" and "thorough", by HYPOTHESIS_PROFILE.

"ci" is derandomized: each test draws the same examples on every run (they change only
with the test itself or with Hypothesis's version), so a landing never depends on luck.
"matrix" is "ci" with a quarter of the examples, for the fast part that scripts/test runs
on the other Pythons: there the interpreter changes, not the mathematics.
"thorough" draws new, random examples, ten times as many; run it now and then with
``HYPOTHESIS_PROFILE=thorough ./scripts/test``, and when it finds a failure, pin the
example it prints with ``@example(...)`` on the test.

No profile has a deadline: speed is measured by the benchmarks in bench/, never by tests.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, max_examples=200, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow], print_blob=True,
)  # fmt: skip
settings.register_profile("matrix", settings.get_profile("ci"), max_examples=50)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile(
    "thorough", deadline=None, max_examples=2000, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
