#!/usr/bin/env python3
"""Interrupts cells of Jupyter's .NET kernel the way Jupyter's interrupt button does, and checks what survives.

    python3 tests/LatentLab.Hosts.Tests/jupyter_interrupt.py --feed nuget/feed --version 0.1.0-dev.X [--control]

Starts the .NET (C#) kernel from the private kernelspec under artifacts/jupyter (installed here as
tests/run-notebook.sh does, bound to localhost) with jupyter_client, loads LatentLab from the local feed, then:
  1. `#!bandit-train --steps 3000 --out m` (default batch); once its live progress shows, KernelManager.interrupt_kernel()
     (SIGINT, what the button sends for this kernelspec); measures how long the cell takes to end;
  2. `1+1` must answer 2 (the kernel lives), `m.IsPartial` must be True (the partial result is bound);
  2b. `#!cot-synthetic --out acts` at its defaults, interrupted the same way during training: the cell ends soon and
     acts holds the partly trained model's activations (marked PARTIAL);
  3. a plain C# loop that knows nothing of cancellation, interrupted the same way: the cell must end and the kernel
     must live (the next cell answers once the loop's thread is done);
  4. SIGINT while no cell runs: the next cell answers.
With --control the kernel runs with LATENTLAB_INTERRUPT=off (the host keeps SIGINT) and only step 1 runs: the kernel is
expected to die, which shows the checks above can fail.
Prints one JSON object (the measurements and every check) as its last line; exit code 0 when every check passed.
"""
import argparse
import html
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import time

from jupyter_client import KernelManager

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def log(text):
    print(text, file=sys.stderr, flush=True)


def install_kernelspec():
    """The .NET kernelspec in artifacts/jupyter/kernels, bound to localhost (as tests/run-notebook.sh installs it)."""
    kernels = os.path.join(ROOT, "artifacts", "jupyter", "kernels")
    os.makedirs(kernels, exist_ok=True)
    subprocess.run(["dotnet", "tool", "restore"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["dotnet", "interactive", "jupyter", "install", "--path", kernels],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(kernels, ".net-csharp", "kernel.json")
    with open(path) as f:
        spec = json.load(f)
    if "--http-local-only" not in spec["argv"]:
        spec["argv"].append("--http-local-only")
        with open(path, "w") as f:
            json.dump(spec, f, indent=2)
    return os.path.join(ROOT, "artifacts", "jupyter")


class Kernel:
    def __init__(self, environment, log_path):
        self.manager = KernelManager(kernel_name=".net-csharp")
        self.log_file = open(log_path, "w")
        env = dict(os.environ, **environment)
        self.manager.start_kernel(cwd=os.path.join(ROOT, "notebooks"), env=env,
                                  stdout=self.log_file, stderr=subprocess.STDOUT)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=300)

    def alive(self):
        return self.manager.is_alive()

    def run(self, code, timeout, interrupt=None):
        """Runs one cell. interrupt(seconds_since_start, outputs_so_far) -> True sends SIGINT once.
        Returns a dict: outputs (texts), errors, seconds, interrupted_after, ended_after_interrupt, status."""
        started = time.monotonic()
        msg_id = self.client.execute(code)
        outputs, errors = [], []
        interrupted_at = None
        self.first_seen = {}
        while True:
            now = time.monotonic()
            if interrupt is not None and interrupted_at is None and interrupt(now - started, outputs):
                self.manager.interrupt_kernel()
                interrupted_at = now
                log(f"  interrupt sent {now - started:.1f} s into the cell")
            if now - started > timeout:
                return self._result("timeout", outputs, errors, started, interrupted_at)
            try:
                msg = self.client.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                if not self.alive():
                    return self._result("kernel died", outputs, errors, started, interrupted_at)
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if interrupted_at is not None and "interrupted_message" not in self.first_seen and any(
                    "Interrupted" in plain_text(v) if isinstance(v, dict) else "Interrupted" in str(v)
                    for v in (content.get("data", {}), content.get("text", ""))):
                self.first_seen["interrupted_message"] = round(time.monotonic() - interrupted_at, 2)
            if kind == "stream":
                outputs.append(content["text"])
            elif kind in ("execute_result", "display_data", "update_display_data"):
                outputs.append(plain_text(content["data"]))
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return self._result("idle", outputs, errors, started, interrupted_at)

    @staticmethod
    def _result(status, outputs, errors, started, interrupted_at):
        ended = time.monotonic()
        result = {"status": status, "outputs": outputs, "errors": errors, "seconds": round(ended - started, 2)}
        if interrupted_at is not None:
            result["interrupted_after"] = round(interrupted_at - started, 2)
            result["ended_after_interrupt"] = round(ended - interrupted_at, 2)
        log(f"  -> {status} in {result['seconds']} s; errors {errors}; last output {(outputs or [''])[-1][-200:]!r}")
        return result

    def shutdown(self):
        try:
            self.client.stop_channels()
            if self.alive():
                self.manager.shutdown_kernel(now=True)
        finally:
            self.log_file.close()


def plain_text(data):
    """text/plain of an output, or its text/html without tags (the .NET kernel sends numbers as HTML only)."""
    if "text/plain" in data:
        return data["text/plain"]
    markup = re.sub(r"<style.*?</style>", "", data.get("text/html", ""), flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def after_progress(delay):
    """Interrupt `delay` seconds after the cell's live progress first shows a finished step ("N/M steps", N > 0)."""
    seen = {}

    def decide(elapsed, outputs):
        # the live panel reads "Training: 12/3000 steps ..." (older builds: "step 12/3000")
        done = [int(a or b) for o in outputs for a, b in re.findall(r"(\d+)/\d+ steps|step (\d+)/\d+", o)]
        if "at" not in seen and any(n > 0 for n in done):
            seen["at"] = elapsed
        return "at" in seen and elapsed - seen["at"] >= delay
    return decide


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feed", required=True, help="the local NuGet feed folder (nuget/feed)")
    parser.add_argument("--version", required=True, help="the LatentLab.Interactive version in that feed")
    parser.add_argument("--control", action="store_true", help="LATENTLAB_INTERRUPT=off: the kernel should die")
    parser.add_argument("--max-seconds", type=float, default=5.0, help="how soon after SIGINT a cell must end")
    args = parser.parse_args()

    os.environ["PATH"] = os.path.expanduser("~/.dotnet/tools") + os.pathsep + os.environ.get("PATH", "")
    jupyter_path = install_kernelspec()
    os.environ["JUPYTER_PATH"] = jupyter_path + (os.pathsep + os.environ["JUPYTER_PATH"] if os.environ.get("JUPYTER_PATH") else "")
    os.makedirs(os.path.join(ROOT, "artifacts"), exist_ok=True)
    kernel_log = os.path.join(ROOT, "artifacts", "jupyter-interrupt" + ("-control" if args.control else "") + ".log")
    feed = os.path.abspath(args.feed)

    report = {"control": args.control, "checks": {}}
    checks = report["checks"]
    start = time.monotonic()
    kernel = Kernel({"LATENTLAB_INTERRUPT": "off" if args.control else "auto"}, kernel_log)
    report["kernel_start_seconds"] = round(time.monotonic() - start, 1)
    try:
        log("load LatentLab")
        load = kernel.run(f'#i "nuget: {feed}"\n#r "nuget: LatentLab.Interactive, {args.version}"', timeout=600)
        checks["loaded"] = load["status"] == "idle" and not load["errors"]
        report["load_seconds"] = load["seconds"]

        log("#!bandit-train --steps 3000 --out m, interrupted 2 s after its progress shows")
        train = kernel.run("#!bandit-train --steps 3000 --out m", timeout=300, interrupt=after_progress(2.0))
        report["train"] = {k: v for k, v in train.items() if k != "outputs"}
        report["train"]["last_output"] = (train["outputs"] or [""])[-1][-300:]
        report["train"].update(kernel.first_seen)  # seconds from SIGINT to the "Interrupted: m holds..." display
        if args.control:
            time.sleep(3)
            checks["kernel_died_without_bridge"] = not kernel.alive()
            return report
        checks["train_interrupted"] = "interrupted_after" in train
        checks["train_ended_soon"] = train["status"] == "idle" and train.get("ended_after_interrupt", 1e9) <= args.max_seconds
        checks["train_said_interrupted"] = any("Interrupted" in o for o in train["outputs"])

        log("1+1")
        alive = kernel.run("1+1", timeout=60)
        checks["kernel_answers_after_train"] = alive["status"] == "idle" and any(o.strip() == "2" for o in alive["outputs"])
        report["answer_seconds"] = alive["seconds"]

        log("m.IsPartial")
        partial = kernel.run('$"{m.IsPartial} {m.StepsCompleted} of {m.Options.Steps}"', timeout=60)
        text = " ".join(partial["outputs"]).strip()
        report["partial"] = text
        fields = text.split()
        checks["partial_result_bound"] = (partial["status"] == "idle" and len(fields) == 4 and fields[0] == "True"
                                          and fields[1].isdigit() and 0 < int(fields[1]) < int(fields[3]))

        log("#!cot-synthetic --out acts (defaults), interrupted 2 s after its progress shows")
        cot = kernel.run("#!cot-synthetic --out acts", timeout=300, interrupt=after_progress(2.0))
        report["cot"] = {k: v for k, v in cot.items() if k != "outputs"}
        report["cot"].update(kernel.first_seen)
        checks["cot_ended_soon"] = cot["status"] == "idle" and cot.get("ended_after_interrupt", 1e9) <= args.max_seconds
        acts = kernel.run('$"{acts.Count} {acts.Source.Contains(\"PARTIAL\")}"', timeout=60)
        report["cot_partial"] = " ".join(acts["outputs"]).strip()
        fields = report["cot_partial"].split()
        checks["cot_partial_result_bound"] = acts["status"] == "idle" and len(fields) == 2 and fields[0].isdigit() and fields[1] == "True"

        log("a plain C# loop (no cancellation token), interrupted after 3 s")
        loop = kernel.run("var clock = System.Diagnostics.Stopwatch.StartNew();\n"
                          "while (clock.Elapsed.TotalSeconds < 10) { System.Threading.Thread.Sleep(20); }\n"
                          '"loop finished"', timeout=120, interrupt=lambda elapsed, _: elapsed >= 3.0)
        report["loop"] = {k: v for k, v in loop.items() if k != "outputs"}
        checks["loop_ended_soon"] = loop["status"] == "idle" and loop.get("ended_after_interrupt", 1e9) <= args.max_seconds
        after = kernel.run("2+2", timeout=120)
        checks["kernel_answers_after_loop"] = after["status"] == "idle" and any(o.strip() == "4" for o in after["outputs"])
        report["answer_after_loop_seconds"] = after["seconds"]

        log("SIGINT while no cell runs")
        kernel.manager.interrupt_kernel()
        time.sleep(1.0)
        idle = kernel.run("3+3", timeout=60)
        checks["kernel_answers_after_idle_interrupt"] = idle["status"] == "idle" and any(o.strip() == "6" for o in idle["outputs"])
        checks["kernel_alive_at_end"] = kernel.alive()
        return report
    finally:
        kernel.shutdown()
        with open(kernel_log) as f:
            report["host_shut_down"] = "Application is shutting down" in f.read()
        if not args.control:
            checks["host_never_shut_down"] = not report["host_shut_down"]
        report["passed"] = bool(checks) and all(checks.values())
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    try:
        sys.exit(0 if main()["passed"] else 1)
    except Exception as e:  # the JSON line above says what was measured; this says where it stopped
        log(f"jupyter_interrupt.py: {type(e).__name__}: {e}")
        sys.exit(2)
