"""Views that serve lists and search: each a read model of its own, rebuildable from the log."""
