"""The learning products the framework names, built from the log and the views: 7-minute
briefings (`briefings.py`), thematic dossiers (`dossiers.py`), forums' calendars
(`calendars.py`). Each builds an `adapters.documents.Document` (or a calendar); the API
renders it to Word, PDF or HTML.
"""
