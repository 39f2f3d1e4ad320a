"""The deferred-download fix (portal.streamlit_fixes) on Streamlit's real media file manager: a file a
click generated survives other sessions' cleanups until the clicking session runs again, then goes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from portal import streamlit_fixes


def _click(manager: MediaFileManager) -> tuple[MemoryMediaFileStorage, str]:
    """A download button registered by this session's run, then clicked: (storage, generated file id)."""
    storage: MemoryMediaFileStorage = manager._storage  # type: ignore[assignment]
    placeholder = manager.add_deferred(lambda: b"%PDF-1.7 pack", "application/pdf", "1.2.3", "pack.pdf")
    url = manager.execute_deferred(placeholder)
    return storage, url.rsplit("/", 1)[-1].split(".", 1)[0]


def _fetch(storage: MemoryMediaFileStorage, file_id: str) -> bytes:
    return storage.get_file(file_id).content


@pytest.fixture
def unpatched() -> Iterator[None]:
    fixed = MediaFileManager.execute_deferred
    # Streamlit's own method (the fix keeps it as __wrapped__ when this process installed it)
    MediaFileManager.execute_deferred = getattr(fixed, "__wrapped__", fixed)  # type: ignore[method-assign]
    yield
    MediaFileManager.execute_deferred = fixed  # type: ignore[method-assign]


def test_without_the_fix_two_cleanups_of_other_sessions_lose_the_clicked_file(unpatched: None) -> None:
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    storage, generated = _click(manager)
    manager.remove_orphaned_files()  # another person's run ends: marked
    manager.remove_orphaned_files()  # and another's: deleted before the browser fetched it
    with pytest.raises(MediaFileStorageError):
        _fetch(storage, generated)


def test_with_the_fix_the_clicked_file_is_kept_until_that_session_runs_again() -> None:
    streamlit_fixes.keep_deferred_downloads_until_fetched()
    streamlit_fixes.keep_deferred_downloads_until_fetched()  # idempotent: installed once
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    storage, generated = _click(manager)
    for _ in range(3):
        manager.remove_orphaned_files()
    assert _fetch(storage, generated) == b"%PDF-1.7 pack"  # the browser's fetch finds it
    manager.clear_session_refs("dontcare")  # that session's next run starts (no script context here)
    manager.remove_orphaned_files()
    manager.remove_orphaned_files()
    with pytest.raises(MediaFileStorageError):  # then collected as before: nothing piles up
        _fetch(storage, generated)
