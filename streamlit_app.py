"""Router: page config, the signed-in user, every page registered, the current page run."""

import logging

import streamlit as st
from pydantic import ValidationError

from core.config import get_settings
from portal import auth, navigation, state, widgets

st.set_page_config(page_title="Training Operations Portal", page_icon="🎓", layout="wide")
try:
    settings = get_settings()
except ValidationError as exc:
    st.error(widgets.plain("The portal cannot start: " + "; ".join(e["msg"] for e in exc.errors())), icon="⛔")
    st.stop()
logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
state.init()
user = auth.current_user()
st.session_state[state.CURRENT_USER] = user
page = navigation.build(user)
flash = state.pop_flash()
if flash:
    getattr(st, flash[0], st.info)(widgets.plain(flash[1]))
page.run()
