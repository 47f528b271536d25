"""Cooperatives: the district's service network — cooperatives, service categories and the
accreditations the comuni grant."""
