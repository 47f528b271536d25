"""Social Points: the district's listening desks, their hours and operators, and appointments."""
