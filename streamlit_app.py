"""Router: page config, the signed-in user, every page registered, the current page run."""

import logging

import streamlit as st

from core.config import get_settings
from portal import auth, navigation, state

logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Training Operations Portal", page_icon="🎓", layout="wide")
state.init()
user = auth.current_user()
st.session_state[state.CURRENT_USER] = user
page = navigation.build(user)
flash = state.pop_flash()
if flash:
    getattr(st, flash[0], st.info)(flash[1])
page.run()
