"""Data quality: what senders get wrong about dossiers that are stored all the same."""
