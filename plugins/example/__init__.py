"""The example plugin of docs/plugins.md: the smallest whole plugin (settings, a page, a menu
entry), written against the plugin API only. It is not installed (setup.cfg does not list it);
the tests load it, and a new plugin starts as a copy of it."""
