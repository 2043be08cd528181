#!/usr/bin/env python3
"""A stand-in OpenAI-compatible provider on loopback for benchmarks and API fuzzing.

usage: fake_ai.py PORT [fast|hang]
fast answers every chat completion at once; hang accepts and never answers.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[2] if len(sys.argv) > 2 else "fast"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        self.rfile.read(length)
        if MODE == "hang":
            threading.Event().wait()
        content = json.dumps({"summary": "A short summary.", "customer_message": "Thank you for your order!"})
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
