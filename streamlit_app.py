"""Router: page config, the signed-in user, every page registered, the current page run."""

import logging

import streamlit as st
from pydantic import ValidationError

from core.config import get_settings
from portal import startup, style
from portal.streamlit_fixes import keep_deferred_downloads_until_fetched

keep_deferred_downloads_until_fetched()  # a Streamlit race that loses downloads under many users
st.set_page_config(page_title="Training Operations Portal", page_icon="🎓", layout="wide")
style.apply()
try:
    settings = get_settings()
except ValidationError as exc:
    from portal import widgets

    st.error(widgets.plain("The portal cannot start: " + "; ".join(e["msg"] for e in exc.errors())), icon="⛔")
    st.stop()
logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
# The first start migrates and loads the demo data in the background and shows its progress at once; the
# pages (pandas, plotly, every service) are imported only after it, so nothing waits on a blank page.
startup.gate()

from portal import auth, navigation, state, widgets  # noqa: E402 - after the first start's progress page

state.init()
user = auth.current_user()
st.session_state[state.CURRENT_USER] = user
page = navigation.build(user)
slot = st.empty()  # the sign-in form's place, kept on every run so that the page below it never moves
if user is None and navigation.needs_sign_in(page):
    # Signing in draws the asked-for page in this same run: no rerun between the click and the page.
    user = auth.sign_in_here(slot)
    if user is None:
        st.stop()
    st.session_state[state.CURRENT_USER] = user
    navigation.menu(user)
    auth.write_sign_in_cookie()
flash = state.pop_flash()
if flash:
    getattr(st, flash[0], st.info)(widgets.plain(flash[1]))
page.run()
