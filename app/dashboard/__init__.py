"""The Vietnamese dashboard: server-rendered pages calling the same services as the API."""
