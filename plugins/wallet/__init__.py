"""The district's ledger: accounts, and movements that never change (decision 0024)."""
