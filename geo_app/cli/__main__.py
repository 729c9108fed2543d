"""``python -m geo_app.cli``: the ``geo-app`` command (for a checkout without the console script)."""

import sys

from geo_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
