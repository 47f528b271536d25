"""Condiviso's first-party plugins, each registered under the `condiviso.plugins` entry point."""
