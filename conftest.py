"""For the whole test run, the tests' and the docstrings' examples alike: what rhymer derives once per machine
(rhymer.cache) goes to the run's own folder, never the user's. Set on import, so the command line's
subprocesses see it too."""

import os
import tempfile

from rhymer import cache

_CACHE = tempfile.TemporaryDirectory(prefix="rhymer-test-cache-")
os.environ[cache.ENV] = _CACHE.name
