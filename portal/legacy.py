"""Close Streamlit's legacy `pages/` discovery.

Until the first `st.navigation` call after a server start, Streamlit treats `pages/*.py` as
page scripts, so a reconnecting browser at `/approvals` would run `pages/approvals.py`
directly, without the sign-in gate. Each page module hands such a run to the real router,
pointing it at the page the URL asked for.
"""

import inspect
import runpy
from pathlib import Path

from streamlit.runtime.scriptrunner import get_script_run_ctx

ROUTER = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def run_router(page_file: str | None = None) -> None:
    """Run the router (sign-in gate, navigation, role checks) for the page `page_file` serves."""
    page_file = page_file or inspect.stack()[1].filename
    ctx = get_script_run_ctx()
    if ctx is not None:
        # The legacy run identifies the page by the script's hash, which the router's pages do
        # not share; resolve by URL path instead (every url_path equals its module name).
        ctx.pages_manager.set_script_intent("", Path(page_file).stem)
    runpy.run_path(str(ROUTER), run_name="__main__")
