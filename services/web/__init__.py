"""The home of the web application to come (server-rendered pages over the application layer).
"""
