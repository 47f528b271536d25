"""Branding: the district's name, logo, colour, footer links and contacts on its portal."""
