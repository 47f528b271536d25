"""Who read or changed whose sensitive records, and when: one audit function for every plugin."""
