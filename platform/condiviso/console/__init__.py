"""The platform console on the apex host: platform operators run the districts from here. It is
the CLI's twin: both call the same service functions."""
