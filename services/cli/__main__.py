"""`python -m services.cli`: the `lif` command."""

from services.cli import main

raise SystemExit(main())
