"""The database layer under everything else: which tenant the running code is bound to, the
session that routes each statement to the tenant's or the platform's database, and the column
types. It imports nothing from the rest of Condiviso but its error base class."""
