"""Close Streamlit's legacy `pages/` discovery.

Until the first `st.navigation` call after a server start, Streamlit treats `pages/*.py` as
page scripts, so a reconnecting browser at `/approvals` would run `pages/approvals.py`
directly. Each page module hands such a run to the real router.
"""

import runpy
from pathlib import Path

ROUTER = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def run_router() -> None:
    """Run the router (sign-in gate, navigation, role checks) instead of the page script."""
    runpy.run_path(str(ROUTER), run_name="__main__")
