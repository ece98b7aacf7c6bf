#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Ansible module: read (and wait for) the state of a raftkv cluster through the admin API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: raftkv_cluster
short_description: Read a raftkv cluster's status and wait for a condition
description:
  - Asks every given node for C(GET /admin/v1/status) and reports each answer, the leader
    and the leader's view of the members (role, match index, lag).
  - With I(wait), polls until the condition holds or I(wait_timeout) passes; on timeout
    it fails and reports the last status seen.
  - Read-only; never reports a change.
options:
  urls:
    description: Admin base URLs (scheme://host:port) of the nodes to ask.
    type: list
    elements: str
    required: true
  user:
    description: Admin user.
    type: str
    required: true
  password:
    description: Admin password.
    type: str
    required: true
  validate_certs:
    description: Verify the HTTPS certificate.
    type: bool
    default: true
  ca_path:
    description: PEM CA bundle used to verify HTTPS certificates.
    type: str
  request_timeout:
    description: Seconds one status request may take.
    type: float
    default: 3
  wait:
    description:
      - C(none) reads once.
      - C(leader) waits until a node reports itself leader.
      - C(healthy) waits until there is a leader and every member's lag is at most I(max_lag).
    type: str
    choices: [none, leader, healthy]
    default: none
  wait_timeout:
    description: Seconds to wait for the condition.
    type: int
    default: 180
  max_lag:
    description: Largest lag (entries) of a member counted as caught up.
    type: int
    default: 50
  not_leader:
    description: With I(wait), also wait until the leader is not this node id.
    type: str
  voters:
    description: With I(wait), also wait until these node ids are exactly the voters.
    type: list
    elements: str
  member:
    description: With I(wait), also wait until this node id is a member (any role).
    type: str
  absent:
    description: With I(wait), also wait until this node id is no member.
    type: str
"""

RETURN = r"""
nodes:
  description: One entry per URL - url, ok, error, status (the node's JSON status).
  type: list
  returned: always
leader_id:
  description: Id of the node that reports itself leader (highest term), or empty.
  type: str
  returned: always
leader_url:
  description: Admin URL of the leader, when it is among I(urls).
  type: str
  returned: always
term:
  description: The leader's term.
  type: int
  returned: always
members:
  description: The leader's member list (id, peerAddress, clientAddress, role, matchIndex, lag).
  type: list
  returned: always
waited_seconds:
  description: How long the module waited for the condition.
  type: float
  returned: always
"""

import json
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url


def read_status(module, url):
    params = module.params
    try:
        response = open_url(
            url.rstrip("/") + "/admin/v1/status",
            method="GET",
            headers={"Accept": "application/json"},
            url_username=params["user"],
            url_password=params["password"],
            force_basic_auth=True,
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            timeout=params["request_timeout"],
        )
        return {"url": url, "ok": True, "error": "", "status": json.loads(response.read())}
    except Exception as error:  # a node that is down is an answer, not a module failure
        return {"url": url, "ok": False, "error": str(error), "status": {}}


def member_lag(member, leader_status):
    if member.get("lag") is not None:
        return int(member["lag"])
    return max(0, int(leader_status.get("commitIndex", 0)) - int(member.get("matchIndex", 0)))


def snapshot(module):
    nodes = [read_status(module, url) for url in module.params["urls"]]
    leaders = [n for n in nodes if n["ok"] and str(n["status"].get("role", "")).upper() == "LEADER"]
    leader = max(leaders, key=lambda n: int(n["status"].get("term", 0))) if leaders else None
    members = []
    if leader is not None:
        for member in leader["status"].get("members", []):
            entry = dict(member)
            entry["lag"] = member_lag(member, leader["status"])
            members.append(entry)
    return {
        "nodes": nodes,
        "leader_id": leader["status"].get("nodeId", "") if leader else "",
        "leader_url": leader["url"] if leader else "",
        "term": int(leader["status"].get("term", 0)) if leader else 0,
        "members": members,
    }


def unmet(module, state):
    """Returns why the condition does not hold yet, or None when it holds."""
    params = module.params
    if params["wait"] == "none":
        return None
    if not state["leader_id"]:
        return "no node reports itself leader"
    if params["not_leader"] and state["leader_id"] == params["not_leader"]:
        return "%s is still the leader" % params["not_leader"]
    ids = [str(m.get("id")) for m in state["members"]]
    if params["member"] and params["member"] not in ids:
        return "%s is not a member yet (members: %s)" % (params["member"], ", ".join(ids))
    if params["absent"] and params["absent"] in ids:
        return "%s is still a member" % params["absent"]
    if params["voters"] is not None:
        voters = sorted(str(m.get("id")) for m in state["members"] if str(m.get("role", "")).upper() == "VOTER")
        if voters != sorted(params["voters"]):
            return "voters are %s, expected %s" % (", ".join(voters), ", ".join(sorted(params["voters"])))
    if params["wait"] == "healthy":
        behind = ["%s (lag %d)" % (m.get("id"), m["lag"]) for m in state["members"] if m["lag"] > params["max_lag"]]
        if behind:
            return "members not caught up: " + ", ".join(behind)
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            urls=dict(type="list", elements="str", required=True),
            user=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="str"),
            request_timeout=dict(type="float", default=3),
            wait=dict(type="str", default="none", choices=["none", "leader", "healthy"]),
            wait_timeout=dict(type="int", default=180),
            max_lag=dict(type="int", default=50),
            not_leader=dict(type="str"),
            voters=dict(type="list", elements="str"),
            member=dict(type="str"),
            absent=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    if not module.params["urls"]:
        module.fail_json(msg="urls must name at least one node's admin URL")
    started = time.monotonic()
    deadline = started + module.params["wait_timeout"]
    while True:
        state = snapshot(module)
        reason = unmet(module, state)
        state["waited_seconds"] = round(time.monotonic() - started, 3)
        if reason is None:
            module.exit_json(changed=False, **state)
        if time.monotonic() >= deadline:
            unreachable = ["%s: %s" % (n["url"], n["error"]) for n in state["nodes"] if not n["ok"]]
            module.fail_json(
                msg="raftkv cluster condition '%s' not met within %ss: %s%s" % (
                    module.params["wait"], module.params["wait_timeout"], reason,
                    ("; unreachable: " + "; ".join(unreachable)) if unreachable else ""),
                **state)
        # polling with a deadline: the cluster changes on its own (elections, replication)
        time.sleep(0.5)


if __name__ == "__main__":
    main()
