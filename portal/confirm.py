"""Irreversible actions in two steps: the first click only asks, naming how many rows it affects;
the action runs when the explicit confirmation is clicked (Cancel forgets the question)."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from portal import state, widgets


def ask_button(label: str, *, key: str, disabled: bool = False, container: DeltaGenerator | None = None) -> None:
    """The action's button: a click only asks the question `confirmed(key, ...)` draws."""
    (container or st).button(
        label, key=key, disabled=disabled, on_click=_ask, args=(key,), width="stretch" if container else "content"
    )


def asking(key: str) -> bool:
    """True while the question of `key` is open."""
    return bool(st.session_state.get(state.CONFIRM_ASKING) == key)


def confirmed(key: str, question: str, *, confirm: str, final: str = "This cannot be undone.") -> bool:
    """The question (with the count of affected rows) and the two answers; True once `confirm` is clicked.

    Draws nothing unless the button of `key` was clicked. `question` is the words as they read (a name in it
    is shown as plain text here); `final` says what the action means for later.
    """
    if not asking(key):
        return False
    with st.container(border=True):
        st.warning(widgets.plain(f"{question} {final}"), icon="⚠️")
        left, right = st.columns(2)
        go = left.button(confirm, key=f"{key}.confirm", type="primary", width="stretch")
        right.button("Cancel", key=f"{key}.cancel", on_click=_forget, width="stretch")
    if go:
        _forget()
    return go


def _ask(key: str) -> None:
    st.session_state[state.CONFIRM_ASKING] = key


def _forget() -> None:
    st.session_state[state.CONFIRM_ASKING] = None
