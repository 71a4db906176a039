"""Test-wide settings: headless Qt and a private data folder.

Set before anything imports Qt or resolves the default workspace, so no test
touches the user's real settings or workspace.
"""

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LABELMATE_DATA_DIR", tempfile.mkdtemp(prefix="labelmate-test-data-"))
