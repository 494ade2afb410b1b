"""`python -m soundloom.engine serve …` starts the daemon."""

import sys

from soundloom.engine.daemon import main

sys.exit(main())
