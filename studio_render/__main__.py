"""``python -m studio_render``: the same as the ``studio-render`` command."""

import sys

from studio_render.launch import main

sys.exit(main())
