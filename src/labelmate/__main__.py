import sys

from labelmate.cli import main

sys.exit(main())
