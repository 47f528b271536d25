"""Catalog: the district's family-support services — public, accredited, private and
corporate-welfare — and the search citizens use to find them."""
