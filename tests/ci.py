"""Whether this run is CI (`CI=true`, as `.ci/run` sets): there, what the suite needs must be
present, and a missing PostgreSQL or Chromium fails the run instead of skipping tests."""

import os

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
