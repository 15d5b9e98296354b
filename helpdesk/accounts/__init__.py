"""ÉduConnect accounts: the port (port.py, with the table of actions in actions.py), the local
directory (local/, tables.py; scope_rule.py says which accounts a scope holds), the HTTP adapter
(http.py) and the account API it talks to (routes.py); `account_service()` chooses."""
