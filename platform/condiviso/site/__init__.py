"""The platform's own site, on the apex host."""
