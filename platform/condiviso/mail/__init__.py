"""Outgoing e-mail: written to the outbox folder by default, sent by SMTP when configured."""
