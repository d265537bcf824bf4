"""Local Genesys Cloud emulator speaking the real analytics API."""
