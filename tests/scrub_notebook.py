#!/usr/bin/env python3
"""Removes machine-specific text from executed notebooks (in place).

    python3 tests/scrub_notebook.py artifacts/00-getting-started.ipynb [more.ipynb ...]

Replaces, in every output and metadata string: the repository's absolute path with [repo], the home
directory with ~, temporary paths with [tmp], this machine's host name with [host], and IP addresses
(other than loopback) with [ip]. Drops per-cell execution timestamps that dotnet-repl records, and the Jupyter .NET
kernel's start-up script (it probes the live kernel's local HTTP port and loads require.js from a CDN: dead weight
in a saved notebook or a static export).
The checks that nothing machine-specific is left live in tests/LatentLab.Hosts.Tests (NotebookHygieneTests).
"""
import json
import os
import re
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOME = os.path.expanduser("~")
# An IPv4 address in an address context (URL host, host:port); bare a.b.c.d may be a version number.
IPV4 = re.compile(r"(?<=//)(?:\d{1,3}\.){3}\d{1,3}(?![\d.])|(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?=:\d)")
# IPv6 with a '::' (link-local and friends) or eight full groups; time stamps like 23:44:59 do not match.
IPV6 = re.compile(
    r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?(?:%[\w.]+)?(?![0-9A-Za-z:])"
    r"|(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![0-9A-Za-z:])")
TEMP = re.compile(r"/tmp/[^\s\"'`<>)]*")
LOOPBACK = {"127.0.0.1", "0.0.0.0", "::1", "::"}
TIMESTAMP_KEYS = ("dotnet_repl_cellExecutionStartTime", "dotnet_repl_cellExecutionEndTime")


def looks_like_ipv4(text):
    return all(0 <= int(part) <= 255 for part in text.split("."))


def local_addresses():
    """This machine's own addresses (any context), from `hostname -I` and `ip -o addr`."""
    found = set()
    for command in (["hostname", "-I"], ["ip", "-o", "addr"]):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for token in re.split(r"[\s/]+", out):
            if re.fullmatch(r"(?:\d{1,3}\.){3}\d{1,3}", token) or (":" in token and re.fullmatch(r"[0-9A-Fa-f:]+", token) and "::" in token):
                found.add(token)
    return sorted(found - LOOPBACK, key=len, reverse=True)


LOCAL_ADDRESSES = local_addresses()


def scrub_text(text):
    for path, name in sorted(((ROOT, "[repo]"), (HOME, "~")), key=lambda p: -len(p[0])):
        if path and path != "/":
            text = text.replace(path, name)
    text = TEMP.sub("[tmp]", text)
    host = socket.gethostname()
    if host and len(host) >= 4:
        text = re.sub(r"(?<![\w-])" + re.escape(host) + r"(?![\w-])", "[host]", text)
    for address in LOCAL_ADDRESSES:
        text = re.sub(r"(?<![\w.:])" + re.escape(address) + r"(?![\w.:])", "[ip]", text)
    text = IPV4.sub(lambda m: m.group(0) if m.group(0) in LOOPBACK or not looks_like_ipv4(m.group(0)) else "[ip]", text)
    text = IPV6.sub(lambda m: m.group(0) if m.group(0) in LOOPBACK else "[ip]", text)
    return text


def is_kernel_bootstrap(output):
    html = output.get("data", {}).get("text/html", "")
    html = "".join(html) if isinstance(html, list) else html
    return "probeAddresses(" in html and "loadDotnetInteractiveApi" in html


def scrub(value):
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in TIMESTAMP_KEYS}
    return value


def main(paths):
    if not paths:
        sys.exit("usage: scrub_notebook.py NOTEBOOK.ipynb [...]")
    for path in paths:
        with open(path, encoding="utf-8") as f:
            notebook = json.load(f)
        for cell in notebook.get("cells", []):
            # Only what a host wrote: outputs and metadata. The sources are the author's text.
            if "outputs" in cell:
                cell["outputs"] = scrub([o for o in cell["outputs"] if not is_kernel_bootstrap(o)])
            cell["metadata"] = scrub(cell.get("metadata", {}))
        notebook["metadata"] = scrub(notebook.get("metadata", {}))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(notebook, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
