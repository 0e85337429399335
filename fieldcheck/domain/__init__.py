"""Pure rules of FieldCheck: no Flask, no database. Tested without a server."""
