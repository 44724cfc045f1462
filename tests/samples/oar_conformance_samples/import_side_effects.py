"""A plugin module whose import does things: it notes the pid of the process importing it
in ``$OAR_CONFORMANCE_SAMPLE_IMPORT_LOG`` and, when ``$OAR_CONFORMANCE_SAMPLE_EXIT_ON_IMPORT``
is set, ends that process. With isolation on, only the plugin's worker may import it."""

from __future__ import annotations

import os
import sys

from oar_conformance_samples.find import first_fit

_LOG = os.environ.get("OAR_CONFORMANCE_SAMPLE_IMPORT_LOG")
if _LOG:
    with open(_LOG, "a", encoding="ascii") as log:
        log.write(f"{os.getpid()}\n")
if os.environ.get("OAR_CONFORMANCE_SAMPLE_EXIT_ON_IMPORT"):
    sys.exit(3)

find = first_fit
