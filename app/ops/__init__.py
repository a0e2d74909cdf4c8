"""Operations: backup and restore of the embedded SQLite database."""
