"""Registered senders: one-door systems that push dossiers to /dvcqg with their credentials."""
