import os
import sys

# `python -m lstmlint` puts the working folder first on sys.path, so a click.py or yaml.py of the project being
# checked would be imported in place of the real module. Drop that entry, as `python -P` does: lstmlint itself is
# already imported, and nothing else of ours is looked up in the working folder.
if sys.path and not getattr(sys.flags, "safe_path", False) and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from lstmlint.cli import main  # noqa: E402 - after the sys.path repair above

main(prog_name="lstmlint")
