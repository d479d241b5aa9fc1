"""Fixtures shared by every test layer: real PostgreSQL, Kafka and OpenID provider, started on demand."""

import os
import tempfile

from tests.fixtures.oidc import oidc_issuer  # noqa: F401
from tests.fixtures.services import kafka_bootstrap, postgres_dsn  # noqa: F401

# The embedded default generates its subject key-encryption keys under the user's configuration
# directory; the tests' throwaway stores keep theirs in a throwaway one.
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="lif-test-config-"))
