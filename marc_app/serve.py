"""Serve the app: ``python -m marc_app.serve [streamlit options]`` (what ``make app`` runs).

The same server as ``streamlit run app.py``, but while it starts, a thread imports what the first
page needs (pandas, pyarrow, the ``marc`` modules) and reads the saved framework's snapshot
(:func:`marc_app.state.warm`).  Streamlit would otherwise do all of it on the first page view, after
the visitor has asked: about a second on this machine before the first map (see docs/performance.md).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def _warm() -> None:
    from marc_app import state

    state.warm()


def main(argv: list[str] | None = None) -> None:
    threading.Thread(target=_warm, name="marc-warm", daemon=True).start()
    from streamlit import delta_generator
    from streamlit.web import cli

    # Streamlit's first element checks whether it runs outside `streamlit run` (to print a warning) by
    # walking inspect.stack(): 0.3 s with the app's modules loaded, on the first visitor's time.  This
    # launcher *is* `streamlit run`, so the check is marked done.
    delta_generator._use_warning_has_been_displayed = True

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
