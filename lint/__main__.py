import sys

from infergw_lint.cli import main

sys.exit(main())
