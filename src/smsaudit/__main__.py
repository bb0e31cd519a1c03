"""``python -m smsaudit`` = the ``smsaudit`` command."""

import sys

from .cli import main

sys.exit(main())
