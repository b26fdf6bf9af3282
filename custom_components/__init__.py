"""Custom integrations, as Home Assistant loads them from its configuration folder: here only gotify."""
