"""Accounts: the people of a district (citizens and staff), their roles, consents and
invitations; and the one access check every view goes through."""
