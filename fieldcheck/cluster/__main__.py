"""`python -m fieldcheck.cluster start|stop|status`: the cluster on this machine (`make cluster`,
`make cluster-stop`); see fieldcheck.cluster."""

import argparse
import os
import sys
from pathlib import Path

from fieldcheck import cluster

FOLDER = Path(__file__).resolve().parents[2] / ".cluster"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fieldcheck.cluster", description=__doc__)
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--folder", type=Path, default=FOLDER, help="default: .cluster/")
    parser.add_argument(
        "--port", type=int, default=None, help="nginx's port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FIELDCHECK_CLUSTER_POSTGRES_URL", cluster.DEFAULT_SERVER),
        help="the PostgreSQL server, as a URL to any of its databases",
    )
    parser.add_argument("--database", default=cluster.DEFAULT_DATABASE)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    if args.action == "stop":
        stopped = cluster.stop(folder)
        print(f"Stopped: {', '.join(stopped)}." if stopped else f"Nothing runs from {folder}.")
        return 0
    if args.action == "status":
        running = cluster.running(folder)
        for entry in running:
            print(f"{entry['name']}: pid {entry['pid']}")
        return 0 if running else 1
    # A new cluster folder has no keys nor checkpoint log yet: its database starts afresh too,
    # so that the audit chain and the checkpoint log begin together.
    afresh = not (folder / "node-a" / "instance" / "secret_key").exists()
    url = cluster.ensure_database(args.postgres, args.database, afresh=afresh)
    try:
        started = cluster.Cluster(folder, url, workers=args.workers, port=args.port).start()
    except RuntimeError as exc:
        print(f"The cluster did not start: {exc}", file=sys.stderr)
        return 1
    print(f"FieldCheck cluster at {started.address}")
    print(f"  nodes: {', '.join(started.node_urls)} (gunicorn, {args.workers} workers each)")
    print(f"  database: {args.database}; Redis: {started.redis_url}")
    print(f"  SeaweedFS S3: {started.store.endpoint_url}, bucket {cluster.BUCKET}")
    print(f"  logs and state in {folder}; `make cluster-stop` ends it")
    print(f"Demo logins (password fieldcheck-demo): {cluster.DEMO_LOGINS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
