"""`python -m portal ...`: the administrators' command line."""

import sys

from portal.cli import main

sys.exit(main())
