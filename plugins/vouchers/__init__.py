"""Social vouchers: the comuni's budget lines, vouchers issued to families, deliveries recorded by
the cooperatives, and the monthly statements the comuni pay."""
