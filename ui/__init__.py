"""Streamlit-side helpers shared by the pages: cached data access, maps, the sidebar."""
