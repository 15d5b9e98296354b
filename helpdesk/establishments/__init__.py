"""The schools' space beyond escalations: the accounts of a school as the console shows them
(dashboard, lists and their exports), for its staff and for its académie's agents."""
