"""`python -m soundloom.daemon serve …` starts the daemon."""

import sys

from soundloom.daemon.serve import main

sys.exit(main())
