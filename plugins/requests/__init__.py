"""Requests: a citizen (or a guest) asks for a service; the request reaches the desk that
delivers it, and both follow it through a clear status and a message thread."""
