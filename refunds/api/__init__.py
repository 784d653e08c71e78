"""The REST API (Django REST framework): reads for the call center and the review, and the same
writes as the pages, each through the service the page calls.

Its settings are ``config.settings.api``; the routes are in ``urls``.
"""
