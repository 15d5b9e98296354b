"""ÉduConnect accounts: the port (port.py), the local directory (local/, tables.py), the HTTP
adapter (http.py) and the account API it talks to (routes.py); `account_service()` chooses."""
