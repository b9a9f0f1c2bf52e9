"""The resident's side: pre-entry at home, the resident's screen at the counter, self-service."""
