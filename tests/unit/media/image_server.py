"""A tiny real HTTP server whose routes each test sets (media tests, import tests)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Route:
    def __init__(self, status=200, body=b"", headers=None, delay=0.0, chunked=False):
        self.status, self.body, self.headers = status, body, headers or {}
        self.delay, self.chunked = delay, chunked


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        route = self.server.routes.get(self.path.split("?", 1)[0])
        self.server.hits.append(self.path)
        self.server.host_headers.append(self.headers.get("Host"))
        if route is None:
            route = Route(404, b"not found")
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(route.body), 8192):
                piece = route.body[start : start + 8192]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                time.sleep(route.delay)
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        time.sleep(route.delay)
        try:
            self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


class ImageServer:
    """`tls`, an `ssl.SSLContext` for the server side, makes it an https server."""

    def __init__(self, tls=None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.routes = {}
        self.httpd.hits = []
        self.httpd.host_headers = []
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"{'https' if tls else 'http'}://{self.host}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path, **kwargs) -> str:
        self.httpd.routes[path] = Route(**kwargs)
        return self.url + path

    @property
    def hits(self):
        return self.httpd.hits

    @property
    def host_headers(self):
        return self.httpd.host_headers

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


