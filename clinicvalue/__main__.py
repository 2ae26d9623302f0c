"""``python -m clinicvalue``: the same command line as ``clinicvalue``."""

import sys

from clinicvalue.cli import main

sys.exit(main())
