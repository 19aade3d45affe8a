"""The frozen app's entry point: the ``studio-render`` command, the GUI and the workers.

PyInstaller runs this as ``__main__``. ``studio_render.launch.main`` installs the signal
handlers, then ``studio_render.cli.main`` dispatches ``--worker``
(worker processes are this same executable, see ``studio_render/core/procs.py``), no
arguments (the GUI) and the command line.
"""

import sys

from studio_render.launch import main

if __name__ == "__main__":
    sys.exit(main())
