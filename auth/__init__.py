"""Who may see and change what: accounts with hashed passwords, roles, and their permissions."""
