"""The district's portal: what citizens see on the tenant's host."""
