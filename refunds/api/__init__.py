"""The REST API (Django REST framework): reads for the call center and the review, and the same
writes as the pages, each through the service the page calls.

Wiring (settings and URLs) is described in ``settings_fragment``; the routes are in ``urls``.
"""
