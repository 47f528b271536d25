"""The district's legal pages: privacy notice, accessibility statement, cookie notice."""
