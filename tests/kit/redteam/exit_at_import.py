"""Exits while its definitions are loaded: an UPPER_CASE constant runs code at import."""

import os

# --- cheat ---
STOP = os._exit(3)
# --- end cheat ---
