"""The territory of a district: its comuni."""
