"""`python -m sync`: the reference sync client's command line (see sync.client)."""

from sync.client import main

if __name__ == "__main__":
    raise SystemExit(main())
