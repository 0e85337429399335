"""The sync engine: brings every finding recorded offline to the central office exactly once.

A plain Python package that imports neither Flask nor `fieldcheck`: it works on a peewee
database handed to it and owns its own tables. Built in the sync issue; see DESIGN.md,
"Sync contract".
"""
