"""Districts as a whole: provisioning end to end, declarative definitions (`tenant.toml`) and the
`condiviso tenant` and `condiviso db` commands. Above tenancy, the plugin machinery and the core
parts, it puts them together; tenancy itself knows none of them."""
