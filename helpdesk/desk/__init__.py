"""The agents' side: the académie's queue, the ticket page and its actions, the agents' API,
supervisors' pages (canned answers, statistics, incidents), the account panel and the changes
the night applies."""
