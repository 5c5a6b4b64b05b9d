"""The Streamlit app (pages and their caching).  The library in ``marc/`` never imports Streamlit."""
