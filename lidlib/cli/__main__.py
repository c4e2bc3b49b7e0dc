"""``python -m lidlib.cli``: the same as the ``lidlib`` command."""

from lidlib.cli import main

raise SystemExit(main())
