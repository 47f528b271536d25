"""The wallet's ledger against the real database (SQLite and PostgreSQL): transactions that sum
to zero, idempotent, never below zero on a line or a voucher (also with fifty threads at once),
rows that neither the session nor the database let anyone change, reversals, the check that
finds what is wrong (command and periodic job), and the euro amounts at the edges."""
