"""HTTP routes, one module per API area; handlers are named after the SDK operations."""
