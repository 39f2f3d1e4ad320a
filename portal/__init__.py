"""Streamlit glue: auth, navigation, session state, cached loaders, widgets, error display.

Importing the package itself does not import streamlit, so `python -m portal` stays light.
"""
