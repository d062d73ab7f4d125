"""Small helpers with no better home."""
