import sys

from studio_render.worker.main import main

sys.exit(main())
