"""Triage of free text: category of the request and FAQ answers (see service.py)."""
