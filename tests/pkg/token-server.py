#!/usr/bin/env python3
"""A registry token server for tests (distribution's docs/spec/auth/token.md), on loopback.

GET /token?service=S&scope=...: anonymous, or HTTP Basic as $TOKEN_USER/$TOKEN_PASSWORD (any
other credentials: 401). POST /token with grant_type=refresh_token: the refresh token must be
$TOKEN_REFRESH (else 401). Everyone gets "pull" on the repositories asked for; "push" only the
authenticated. Tokens are RS256 JWTs whose x5c header holds the certificate the registry trusts
(its auth.token.rootcertbundle). Anonymous answers carry "token", authenticated ones
"access_token", so a client must read both.

usage: token-server.py --cert CERT --key KEY --issuer ISSUER --port-file FILE
The port (bound on 127.0.0.1, chosen by the system) is written to FILE once it listens.
"""
import argparse
import base64
import json
import os
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()

    with open(args.cert, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    with open(args.key, "rb") as f:
        key = f.read()
    x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
    user = os.environ.get("TOKEN_USER", "")
    password = os.environ.get("TOKEN_PASSWORD", "")
    refresh = os.environ.get("TOKEN_REFRESH", "")

    def grant(scopes, authed):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            actions = [a for a in parts[-1].split(",") if a == "pull" or (a == "push" and authed)]
            if actions:
                access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                               "actions": actions})
        return access

    class Handler(BaseHTTPRequestHandler):
        def deny(self, why):
            body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": why}]}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def issue(self, service, scopes, subject, field):
            now = int(time.time())
            claims = {"iss": args.issuer, "sub": subject, "aud": service, "iat": now,
                      "nbf": now - 60, "exp": now + 300, "jti": secrets.token_hex(8),
                      "access": grant(scopes, bool(subject))}
            token = jwt.encode(claims, key, algorithm="RS256", headers={"x5c": x5c})
            body = json.dumps({field: token, "expires_in": 300}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urlparse(self.path)
            if url.path != "/token":
                self.send_error(404)
                return
            query = parse_qs(url.query)
            auth = self.headers.get("Authorization")
            subject = ""
            if auth:
                try:
                    scheme, _, b64 = auth.partition(" ")
                    name, _, pw = base64.b64decode(b64).decode().partition(":")
                except Exception:
                    scheme, name, pw = "", "", ""
                if scheme != "Basic" or not user or name != user or pw != password:
                    self.deny("wrong username or password")
                    return
                subject = name
            self.issue(query.get("service", [""])[0], query.get("scope", []), subject,
                       "access_token" if subject else "token")

        def do_POST(self):
            if urlparse(self.path).path != "/token":
                self.send_error(404)
                return
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if (form.get("grant_type") != ["refresh_token"] or not refresh
                    or form.get("refresh_token") != [refresh]):
                self.deny("invalid refresh token")
                return
            scopes = " ".join(form.get("scope", [])).split()
            self.issue(form.get("service", [""])[0], scopes, "refresh-user", "access_token")

        def log_message(self, fmt, *a):
            sys.stderr.write("token-server: " + (fmt % a) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
