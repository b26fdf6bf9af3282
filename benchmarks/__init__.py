"""Speed and smoothness figures against the Gotify double (``scripts/bench``)."""
