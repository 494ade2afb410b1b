"""`python -m soundloom.engine.training.corpus OUT_DIR`: build the starter corpus."""

import sys

from .build import main

sys.exit(main())
