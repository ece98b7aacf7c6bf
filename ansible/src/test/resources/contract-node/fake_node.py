#!/usr/bin/env python3
"""A stand-in for a raftkv node that speaks only the admin/health contract of the Liberty
package (server.env in, /admin/v1/* and /health/* out), for testing the playbooks' calls
and their order. It replicates nothing: all stand-in nodes of one test share a JSON state
file (RAFTKV_FAKE_STATE) that plays the cluster's membership and leadership.

Usage (through wlp/bin/server): fake_node.py start|stop|status|run SERVER_DIR
"""

import base64
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAGGING = 100000


def read_env(server_dir):
    env = {}
    with open(os.path.join(server_dir, "server.env"), encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line and not line.startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                env[name] = value
    return env


class State:
    """The shared cluster state, read and written under an exclusive lock."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.lock = open(self.path + ".lock", "a+")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            with open(self.path, encoding="utf-8") as handle:
                self.data = json.load(handle)
        except (OSError, ValueError):
            self.data = {"members": {}, "running": [], "leader": None, "leader_hint": None, "term": 0,
                         "index": 0, "snapshots": 0, "transfers": [], "log": []}
        return self.data

    def __exit__(self, *exc):
        temp = self.path + ".tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=1, sort_keys=True)
        os.replace(temp, self.path)
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        self.lock.close()


def leader_of(data):
    voters = sorted(i for i, m in data["members"].items() if m["role"] == "VOTER")
    running = [i for i in voters if i in data["running"]]
    if not voters or len(running) * 2 <= len(voters):
        leader = None
    elif data.get("leader_hint") in running:
        leader = data["leader_hint"]
    elif data.get("leader") in running:
        leader = data["leader"]
    else:
        leader = running[0]
    if leader != data.get("leader"):
        data["leader"] = leader
        data["term"] += 1
        data["log"].append("leader %s term %d" % (leader, data["term"]))
    return leader


def status_of(data, node_id):
    leader = leader_of(data)
    members = []
    for member_id in sorted(data["members"]):
        member = data["members"][member_id]
        up = member_id in data["running"]
        members.append({
            "id": member_id, "peerAddress": member["peerAddress"], "clientAddress": member["clientAddress"],
            "role": member["role"],
            "matchIndex": (data["index"] if up else 0) if node_id == leader else None,
            "lag": (0 if up else LAGGING) if node_id == leader else None,
        })
    return {"nodeId": node_id, "role": "LEADER" if node_id == leader else "FOLLOWER", "term": data["term"],
            "leaderId": leader, "commitIndex": data["index"], "appliedIndex": data["index"],
            "snapshotIndex": data["snapshots"], "firstIndex": 1, "lastIndex": data["index"], "members": members}


def make_handler(env):
    node_id = env["RAFTKV_NODE_ID"]
    state_path = env["RAFTKV_FAKE_STATE"]
    expected = "Basic " + base64.b64encode(
        ("%s:%s" % (env.get("RAFTKV_ADMIN_USER", ""), env.get("RAFTKV_ADMIN_PASSWORD", ""))).encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            sys.stdout.write("%s %s\n" % (node_id, fmt % args))
            sys.stdout.flush()

        def reply(self, code, body=None, content_type="application/json"):
            payload = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def problem(self, code, detail):
            self.reply(code, {"type": "about:blank", "title": self.responses[code][0], "status": code,
                              "detail": detail}, "application/problem+json")

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def handle_any(self, method):
            path = self.path.split("?")[0].rstrip("/")
            if path == "/health/live":
                return self.reply(200, {"status": "UP"})
            if path == "/health/ready":
                with State(state_path) as data:
                    ready = node_id in data["members"] and leader_of(data) is not None
                return self.reply(200 if ready else 503, {"status": "UP" if ready else "DOWN"})
            if not path.startswith("/admin/v1/"):
                return self.problem(404, "no such resource")
            if self.headers.get("Authorization") != expected:
                return self.problem(401, "admin credentials required")
            parts = path[len("/admin/v1/"):].split("/")
            with State(state_path) as data:
                data["log"].append("%s %s %s" % (node_id, method, path))
                if method == "GET" and parts == ["status"]:
                    return self.reply(200, status_of(data, node_id))
                if method == "GET" and parts == ["members"]:
                    return self.reply(200, {"members": status_of(data, node_id)["members"]})
                if method == "POST" and parts == ["members"]:
                    request = self.body()
                    if request.get("id") in data["members"]:
                        return self.problem(409, "%s is a member already" % request.get("id"))
                    data["members"][request["id"]] = {"peerAddress": request["peerAddress"],
                                                      "clientAddress": request["clientAddress"], "role": "LEARNER"}
                    data["index"] += 1
                    return self.reply(201, {"id": request["id"], "role": "LEARNER"})
                if method == "POST" and len(parts) == 3 and parts[0] == "members" and parts[2] == "promote":
                    if parts[1] not in data["members"]:
                        return self.problem(404, "no member %s" % parts[1])
                    data["members"][parts[1]]["role"] = "VOTER"
                    data["index"] += 1
                    return self.reply(200, {"id": parts[1], "role": "VOTER"})
                if method == "DELETE" and len(parts) == 2 and parts[0] == "members":
                    if parts[1] not in data["members"]:
                        return self.problem(404, "no member %s" % parts[1])
                    del data["members"][parts[1]]
                    if data.get("leader_hint") == parts[1]:
                        data["leader_hint"] = None
                    data["index"] += 1
                    return self.reply(200, {"removed": parts[1]})
                if method == "POST" and parts == ["leader", "transfer"]:
                    target = self.body().get("target")
                    member = data["members"].get(target)
                    if member is None or member["role"] != "VOTER" or target not in data["running"]:
                        return self.problem(400, "%s is no running voter" % target)
                    data["transfers"].append({"from": leader_of(data), "to": target})
                    data["leader_hint"] = target
                    leader_of(data)
                    return self.reply(202, {"target": target})
                if method == "GET" and parts == ["snapshots"]:
                    return self.reply(200, [{"index": i} for i in range(1, data["snapshots"] + 1)])
                if method == "POST" and parts == ["snapshots"]:
                    data["snapshots"] += 1
                    return self.reply(201, {"index": data["snapshots"]})
                if method == "GET" and parts == ["snapshots", "latest"]:
                    if not data["snapshots"]:
                        return self.problem(404, "no snapshot yet")
                    return self.reply(200, ("stand-in snapshot %d of %s\n" % (data["snapshots"], node_id)).encode(),
                                      "application/octet-stream")
            return self.problem(404, "no such resource")

        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.handle_any("GET")

        def do_POST(self):  # noqa: N802
            self.handle_any("POST")

        def do_DELETE(self):  # noqa: N802
            self.handle_any("DELETE")

    return Handler


def running_pid(env):
    try:
        with open(env["PID_FILE"], encoding="utf-8") as handle:
            pid = int(handle.read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def run(server_dir):
    env = read_env(server_dir)
    node_id = env["RAFTKV_NODE_ID"]
    with State(env["RAFTKV_FAKE_STATE"]) as data:
        if not data["members"] and not env.get("RAFTKV_JOIN"):
            for entry in env["RAFTKV_MEMBERS"].split(","):
                member_id, address = entry.split("=", 1)
                host, peer, client = address.split(":")
                data["members"][member_id] = {"peerAddress": "%s:%s" % (host, peer),
                                              "clientAddress": "%s:%s" % (host, client), "role": "VOTER"}
        if node_id not in data["running"]:
            data["running"].append(node_id)
        data["log"].append("%s started from %s" % (node_id, os.path.realpath(server_dir)))
    server = ThreadingHTTPServer((env["RAFTKV_HTTP_HOST"], int(env["RAFTKV_HTTP_PORT"])), make_handler(env))

    def stop(signum, frame):
        with State(env["RAFTKV_FAKE_STATE"]) as data:
            data["running"] = [i for i in data["running"] if i != node_id]
            data["log"].append("%s stopped" % node_id)
        try:
            os.remove(env["PID_FILE"])
        except OSError:
            pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    os.makedirs(os.path.dirname(env["PID_FILE"]), exist_ok=True)
    with open(env["PID_FILE"], "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    server.serve_forever()


def start(server_dir):
    env = read_env(server_dir)
    if running_pid(env):
        print("server raftkv is already running")
        return 1
    log_dir = env.get("LOG_DIR", server_dir)
    os.makedirs(log_dir, exist_ok=True)
    with open(os.path.join(log_dir, "console.log"), "a", encoding="utf-8") as log:
        subprocess.Popen([sys.executable, os.path.abspath(__file__), "run", server_dir], stdout=log, stderr=log,
                         start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection((env["RAFTKV_HTTP_HOST"], int(env["RAFTKV_HTTP_PORT"])), 1).close()
            print("Server raftkv started with process ID %s." % running_pid(env))
            return 0
        except OSError:
            time.sleep(0.1)
    print("server raftkv did not start within 30 s")
    return 22


def stop(server_dir):
    env = read_env(server_dir)
    pid = running_pid(env)
    if not pid:
        print("server raftkv is not running")
        return 1
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            time.sleep(0.05)
        except OSError:
            print("Server raftkv stopped.")
            return 0
    return 22


def main():
    action, server_dir = sys.argv[1], sys.argv[2]
    if action == "run":
        run(server_dir)
        return 0
    if action == "start":
        return start(server_dir)
    if action == "stop":
        return stop(server_dir)
    if action == "status":
        return 0 if running_pid(read_env(server_dir)) else 1
    print("unknown action " + action)
    return 2


if __name__ == "__main__":
    sys.exit(main())
