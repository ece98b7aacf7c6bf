"""python etcd3 (Debian's python3-etcd3) against raftkv: put/get/delete/prefix/transaction/status.

Usage: python3 etcd3_client_check.py HOST PORT. Prints one line per check; exits non-zero on the first failure.
"""
import sys

import etcd3

host, port = sys.argv[1], int(sys.argv[2])
client = etcd3.client(host=host, port=port, timeout=10)


def check(name, condition, detail=""):
    if not condition:
        print("FAILED", name, detail)
        sys.exit(1)
    print("ok", name)


client.put("py/a", "1")
value, meta = client.get("py/a")
check("get after put", value == b"1", value)
check("metadata", meta.version == 1 and meta.create_revision == meta.mod_revision, meta)
client.put("py/b", "2")
check("get_prefix", sorted(v for v, _ in client.get_prefix("py/")) == [b"1", b"2"])
succeeded, _ = client.transaction(
    compare=[client.transactions.value("py/a") == "1"],
    success=[client.transactions.put("py/a", "one")],
    failure=[client.transactions.put("py/failed", "yes")])
check("transaction success branch", succeeded and client.get("py/a")[0] == b"one")
succeeded, responses = client.transaction(
    compare=[client.transactions.version("py/a") == 1],
    success=[],
    failure=[client.transactions.get("py/a")])
check("transaction failure branch", not succeeded and responses[0][0][0] == b"one", responses)
check("delete", client.delete("py/b") and client.get("py/b")[0] is None)
client.delete_prefix("py/")
check("delete_prefix", list(client.get_prefix("py/")) == [])
status = client.status()
check("status", status.version == "3.4.0" and status.leader is not None and status.raft_term >= 1, status)
check("members", len(list(client.members)) == 3)
