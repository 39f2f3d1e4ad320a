"""One fix to Streamlit itself, installed by the router before any page runs.

Deferred downloads (`st.download_button(data=callable)`, used for every table export and archived
file so nothing is built until it is clicked) lose their file under many users: Streamlit 1.67's
`MediaFileManager.execute_deferred` stores the generated file unreferenced by any session and returns
its URL; the browser then fetches it. Every script run of *any* session ends with
`remove_orphaned_files`, which marks unreferenced downloadable files on one pass and deletes them on the
next. With 20 people at work, two runs can end between the click's answer and the browser's fetch:
the fetch gets a 404 and the download is cancelled (seen by bench/concurrency.py at N = 20).

The fix maps the generated file to the session that clicked, under a key of its own, so it survives
other sessions' cleanups until that session's next full run clears its references (by then the
browser has long fetched it); it is then collected as before, so nothing accumulates.
"""

from __future__ import annotations

from typing import Any

from streamlit.runtime.media_file_manager import MediaFileManager

_MARK = "_portal_keeps_deferred_downloads"
COORDINATE_PREFIX = "deferred-download:"


def keep_deferred_downloads_until_fetched() -> None:
    """Install the fix once per process (idempotent)."""
    if getattr(MediaFileManager.execute_deferred, _MARK, False):
        return
    original = MediaFileManager.execute_deferred

    def execute_deferred(self: MediaFileManager, file_id: str) -> str:
        manager: Any = self  # the private fields this fix relies on (checked by its test)
        with manager._lock:
            entry = manager._deferred_callables.get(file_id)
            session_id = entry["session_id"] if entry is not None else None
        url = original(self, file_id)
        generated = url.rsplit("/", 1)[-1].split(".", 1)[0]
        if session_id is not None:
            with manager._lock:
                if generated in manager._file_metadata:
                    references = manager._files_by_session_and_coord.setdefault(session_id, {})
                    references[COORDINATE_PREFIX + file_id] = generated
        return url

    setattr(execute_deferred, _MARK, True)
    execute_deferred.__wrapped__ = original  # type: ignore[attr-defined]
    MediaFileManager.execute_deferred = execute_deferred  # type: ignore[method-assign]
