"""Helpers for the tests that start real servers (SeaweedFS, Redis, app nodes) as processes."""

import contextlib
import subprocess

from fieldcheck.cluster import processes
from fieldcheck.cluster.processes import free_ports

__all__ = ["Browser", "app_nodes", "free_ports", "stop_group"]


def stop_group(process: subprocess.Popen, grace: float = 3):
    """Stop a process started in a session of its own, and everything it started: asked
    first, then killed (SeaweedFS takes its time; a test store has nothing to save)."""
    processes.stop_group(process.pid, grace)
    process.wait()


# An app node as a program: create_app from the settings in its argument (JSON), served by
# werkzeug on a free port, which it says on its first line.
NODE = r"""
import json, sys
from werkzeug.serving import make_server
from fieldcheck import create_app

app = create_app(json.loads(sys.argv[1]))
server = make_server("127.0.0.1", 0, app, threaded=True)
print("listening", server.server_port, flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def app_nodes(*settings: dict):
    """Several app nodes, each its own process with its own settings, started together;
    yields their base URLs."""
    import json
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    processes = []
    try:
        for each in settings:
            processes.append(
                subprocess.Popen(  # noqa: S603  (our own program)
                    [sys.executable, "-c", NODE, json.dumps(each)],
                    cwd=root,
                    stdout=subprocess.PIPE,
                    text=True,
                    start_new_session=True,
                )
            )
        urls = []
        for process in processes:
            line = process.stdout.readline()
            if not line.startswith("listening "):
                raise RuntimeError(f"an app node did not start (exit {process.poll()})")
            urls.append(f"http://127.0.0.1:{int(line.split()[1])}")
        yield urls
    finally:
        for process in processes:
            stop_group(process)
            process.stdout.close()


class Browser:
    """A client over real HTTP that keeps its cookies in one jar for every node (as behind a
    load balancer) and follows no redirect: each answer's status and body."""

    def __init__(self):
        import http.cookiejar
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def call(self, method: str, url: str, form=None, json_body=None) -> tuple[int, bytes]:
        import json
        import urllib.error
        import urllib.parse
        import urllib.request

        data, headers = None, {}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            with refused:
                return refused.code, refused.read()

    def sign_in(self, node: str, username: str, password: str) -> int:
        """The sign-in form, filled as a person would (its CSRF token from the page): the status."""
        from tests.helpers import input_values

        status, page = self.call("GET", f"{node}/login")
        assert status == 200, status
        token = input_values(page.decode())["csrf_token"]
        form = {"username": username, "password": password, "csrf_token": token}
        return self.call("POST", f"{node}/login", form=form)[0]
