"""gapforge in-sandbox harness. Runs INSIDE the sandbox; uses only the standard library and, in
the test worker, pytest and hypothesis (what the runner image has). gapforge is not importable here.

Two roles in one file:

* supervisor (``harness.py JOB_DIR``): trusted. In the Docker backend it is PID 1 of the
  container, so the candidate cannot kill it (init ignores signals it has no handler for), and it
  makes itself non-dumpable, so the candidate cannot read its memory, environment or file
  descriptors through /proc. It never imports candidate code. It runs the candidate in child
  processes (own process group, rlimits, drained and capped pipes, a wall deadline), collects
  per-test reports, checks them (every expected test must report exactly once; planted canary
  tests must come out the way they were built), then seals the result with a per-run nonce on
  its own stdout, which no candidate process holds.
* scripts (job kind ``script``): the candidate runs once as ``python main.py`` with the job's
  stdin, and its raw stdout, stderr and exit code come back (SandboxFusion's ``run_code``).
* function worker (``harness.py --worker WORK TESTFILE FD``): untrusted. Imports the candidate
  through the tests and runs them with pytest, reporting each test as a JSON line on FD.

Verdicts never come from the candidate's stdout or exit code.
"""

import ast
import atexit
import builtins
import ctypes
import errno
import gc
import io
import json
import os
import resource
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import types

RESULT_MARK = "@@GAPFORGE-RESULT@@"
REPORT_CAP = 4_000_000  # bytes of worker reports we accept before calling it tampering
MESSAGE_CAP = 2000
# CPU a test worker may spend loading pytest and hypothesis before the candidate's budget starts
# (a fresh interpreter in a cold container takes ~0.2-0.4 s; a fork of the warm agent ~0)
STARTUP_GRACE_S = 1.0
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36


# --------------------------------------------------------------------------- process plumbing


def _prctl(option, value):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _cap(text, limit=MESSAGE_CAP):
    return text if len(text) <= limit else text[: limit // 2] + "\n...[cut]...\n" + text[-limit // 2 :]


def _oom_kills():
    """Number of OOM kills in this container's memory cgroup (v2 or v1), or None if unknown."""
    for path, key in (
        ("/sys/fs/cgroup/memory.events", "oom_kill"),
        ("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"),
    ):
        try:
            with open(path) as fh:
                for line in fh:
                    parts = line.split()
                    if len(parts) == 2 and parts[0] == key:
                        return int(parts[1])
        except OSError:
            continue
    return None


def _children_of(pid):
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/status" % name) as fh:
                for line in fh:
                    if line.startswith("PPid:"):
                        if int(line.split()[1]) == pid:
                            found.append(int(name))
                        break
        except (OSError, ValueError):
            continue
    return found


def _reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _other_pids(spare=()):
    me = os.getpid()
    return [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) != me and int(n) not in spare]


def _zygote_pids():
    return [pid for pid in (z.live_pid() for z in ZYGOTES.values()) if pid is not None]


def kill_everything_but_me():
    """Kill every process the candidate may have left behind, reap them; return how many there were.

    As PID 1 of a container, kill(-1) reaches every other process of the PID namespace; the pool
    agent's zygotes (see :class:`Zygote`) are spared: everything is stopped first (a fork bomb
    included, so the list of processes is complete), every other process is killed, and the
    zygotes are let go on. Elsewhere (local backend) we are a child subreaper, so every orphan is
    re-parented to us: kill our children until none is left.
    """
    if os.getpid() == 1:
        spare = _zygote_pids()
        found = len(_other_pids(spare))
        for _ in range(100):
            if not _other_pids(spare):
                break
            try:
                if not spare:
                    os.kill(-1, signal.SIGKILL)
                else:
                    os.kill(-1, signal.SIGSTOP)
                    for pid in _other_pids(spare):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
                    for pid in spare:
                        os.kill(pid, signal.SIGCONT)
            except OSError:
                pass
            _reap_all()
            spare = _zygote_pids()
            if not _other_pids(spare):
                break
            time.sleep(0.002)
        _reap_all()
        return found
    me = os.getpid()
    found = 0
    for _ in range(200):
        kids = _children_of(me)
        if not kids:
            break
        found += len(kids)
        for kid in kids:
            try:
                os.killpg(kid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.kill(kid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)
        _reap_all()
    return found


class ChildOutcome:
    def __init__(self):
        self.stdout = b""
        self.stderr = b""
        self.report = b""
        self.exit_code = None
        self.term_signal = None
        self.cpu_s = 0.0
        self.wall_s = 0.0
        self.reason = ""  # "", "wall", "output", "report"


def _child_limits(limits, startup_grace=0.0):
    cpu = float(limits["cpu_seconds"]) + startup_grace
    fsize = int(limits["disk_mb"]) * 1024 * 1024
    data_limit = limits.get("rlimit_data_mb")

    def apply():
        os.setpgid(0, 0)
        soft = max(1, int(cpu + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if data_limit:
            cap = int(data_limit) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        try:  # the OOM killer should pick the candidate, never the supervisor
            with open("/proc/self/oom_score_adj", "w") as fh:
                fh.write("1000")
        except OSError:
            pass
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    return apply


def _spawn_exec(argv, env, cwd, apply_limits, keep_fd):
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        preexec_fn=apply_limits,
        pass_fds=(keep_fd,) if keep_fd is not None else (),
        close_fds=True,
    )
    # the Popen object must not reap the child behind our back: we wait4() it ourselves
    fds = (os.dup(proc.stdin.fileno()), os.dup(proc.stdout.fileno()), os.dup(proc.stderr.fileno()))
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        stream.close()
    proc.returncode = 0  # keeps Popen.__del__ from touching the pid
    return proc.pid, fds[0], fds[1], fds[2]


def _spawn_candidate(job, request, env, cwd, limits, grace, deadline, keep_fd=None):
    """In the pool agent, a child forked from the zygote (None when there is none to ask)."""
    if not job.get("fork"):
        return None
    request = dict(request, cwd=cwd, env=env, limits=limits, grace=grace)
    return _spawn_zygote(request, keep_fd, deadline)


def _spawn_script(job, path, env, cwd, limits, deadline, apply_limits):
    """``python -B -s path``: forked from the zygote in the pool, a fresh interpreter elsewhere."""
    got = _spawn_candidate(job, {"target": "script", "path": path}, env, cwd, limits, 0.0, deadline)
    return got or _spawn_exec([sys.executable, "-B", "-s", path], env, cwd, apply_limits, None)


# --------------------------------------------------------------------------- zygote

# the pool agent's zygotes by target ("script": stdlib only, for scripts and stdio cases; "worker":
# pytest and hypothesis loaded, for test workers); none in the one-shot supervisor and the local backend
ZYGOTES = {}
ZYGOTE_REPLY_S = 2.0


def _start_time(pid):
    """The kernel's start time of ``pid`` (field 22 of /proc/PID/stat), None if it is gone or a
    zombie: with the pid it names one process for good, whatever pid reuse does."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    if not fields or fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


class Zygote:
    """A clean interpreter forked from the pool agent before it has read any job, that forks the
    candidate processes of every later job (one for scripts and stdio cases, one for test workers).

    Forking costs ~1 ms where a fresh interpreter costs tens of ms, and a fork of the zygote holds
    nothing of any job: not the current job's expected outputs, not an earlier job's tests (a fork
    of the agent itself would carry both in its heap). The candidate runs as the same user as the
    zygote, so it could signal it: the zygote is non-dumpable (no ptrace, no /proc/PID/mem or fd
    access), every job's clean-up spares it by pid and start time and resumes it, a spawn that gets
    no answer within ZYGOTE_REPLY_S kills it and falls back to a fresh interpreter, and a zygote
    that is gone is an anomaly that has the pool replace the container.

    Protocol: one SOCK_SEQPACKET message per spawn, JSON plus the child's stdin, stdout, stderr
    (and report) descriptors; the answer is the child's pid once the child is a child of the agent
    (the zygote forks an intermediate that forks the child and exits, so the child is re-parented
    to PID 1 and the agent waits for it as for any child of its own)."""

    def __init__(self):
        self.pid = None
        self.started = None
        self.sock = None
        self.lost = False

    def start(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # the zygote: never returns
            try:
                ours.close()
                _zygote_main(theirs)
            except BaseException:
                pass
            os._exit(0)
        theirs.close()
        self.pid, self.sock = pid, ours
        self.started = _start_time(pid)
        return self

    def live_pid(self):
        """The zygote's pid while it is the process we started, else None (and it counts as lost)."""
        if self.pid is None:
            return None
        if self.started is None or _start_time(self.pid) != self.started:
            self.lost = True
            self.pid = None
            return None
        return self.pid

    def kill(self):
        pid = self.live_pid()
        self.lost = True
        self.pid = None
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def spawn(self, request, fds, deadline):
        """Ask for a child; its pid, or None when the zygote is gone or does not answer in time."""
        pid = self.live_pid()
        if pid is None:
            return None
        try:
            os.kill(pid, signal.SIGCONT)  # a candidate may have stopped it
            self.sock.settimeout(max(0.05, min(ZYGOTE_REPLY_S, deadline - time.monotonic())))
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
            reply = json.loads(self.sock.recv(256))
            child = int(reply["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            self.kill()
            return None
        return child if child > 0 else None


def _zygote_main(sock):
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    keep = sock.fileno()
    os.closerange(3, keep)
    os.closerange(keep + 1, 65536)
    atexit._clear()  # the agent's exit hooks are not the candidate's
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    gc.freeze()  # what is here stays shared with every fork instead of being copied
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 8)
        except InterruptedError:
            continue
        if not msg:
            return  # the agent is gone
        pid = 0
        gate = os.pipe()  # the child waits on it until the zygote has answered: a candidate that
        # stops or kills the zygote can only do so once the zygote is idle again
        try:
            request = json.loads(msg)
            rd, wr = os.pipe()
            middle = os.fork()
            if middle == 0:  # the intermediate: fork the child, say its pid, leave
                try:
                    os.close(rd)
                    child = os.fork()
                    if child == 0:
                        os.close(wr)
                        os.close(gate[1])
                        while os.read(gate[0], 1):
                            pass
                        os.close(gate[0])
                        _zygote_child(request, fds)  # never returns
                    try:
                        os.setpgid(child, child)  # before anyone may signal the group
                    except OSError:
                        pass
                    os.write(wr, b"%d" % child)
                finally:
                    os._exit(0)
            os.close(wr)
            with os.fdopen(rd, "rb") as fh:
                text = fh.read()
            os.waitpid(middle, 0)  # the child is the agent's now
            pid = int(text or b"0")
        except Exception:
            pid = 0
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
        try:
            sock.send(json.dumps({"pid": pid}).encode())
        except OSError:
            return
        finally:
            for fd in gate:
                os.close(fd)  # the child goes on


def _zygote_child(request, fds):
    """The candidate's process, forked from the zygote: the given pipes as fds 0-2 (and the report
    pipe as fd 3), no other descriptor, the job's cwd, environment and limits, then the requested
    target. Never returns."""
    try:
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        os.dup2(fds[2], 2)
        keep = None
        if len(fds) > 3:
            os.dup2(fds[3], 3)
            keep = 3
        os.closerange(4 if keep else 3, 65536)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _child_limits(request["limits"], float(request.get("grace", 0.0)))()
        target = request["target"]
        if target == "script":
            run_as_main(request["path"])
        elif target == "worker":
            worker(request["work"], request["test_name"], keep, bool(request.get("fast")))
    except BaseException:
        pass
    os._exit(70)


def _spawn_zygote(request, keep_fd, deadline):
    """Start a child through the zygote: (pid, stdin_w, stdout_r, stderr_r), or None when there is
    no working zygote (the caller then starts a fresh interpreter)."""
    zygote = ZYGOTES.get(request["target"])
    if zygote is None:
        return None
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    fds = [in_r, out_w, err_w] + ([keep_fd] if keep_fd is not None else [])
    try:
        pid = zygote.spawn(request, fds, deadline)
    finally:
        for fd in (in_r, out_w, err_w):
            os.close(fd)
    if pid is None:
        for fd in (in_w, out_r, err_r):
            os.close(fd)
        return None
    return pid, in_w, out_r, err_r


def _exit_status(exc):
    """The exit status ``python main.py`` ends with for SystemExit(code)."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write("%s\n" % (code,))
    except Exception:
        pass
    return 1


def run_as_main(path):
    """Run ``path`` in this forked interpreter as ``python -B -s path`` would run it: a fresh
    ``__main__`` module, ``sys.argv``, ``sys.path[0]``, unbuffered text streams on fds 0-2, the
    interpreter's signal dispositions, its traceback on an uncaught exception (without this
    function's frame), SystemExit's status, non-daemon threads joined and exit hooks run. Never
    returns."""
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(
        io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="strict"
    )
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="strict", write_through=True
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    sys.argv = [path]
    sys.path[0] = os.path.dirname(path)
    time.tzset()
    # the harness's own frames below this one must not eat the program's recursion depth: at the
    # default limit a program recurses exactly as deep as in a fresh interpreter (the price:
    # sys.getrecursionlimit() reads a few frames above 1000)
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    sys.setrecursionlimit(sys.getrecursionlimit() + depth + 1)  # + exec()'s own entry
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    main.__cached__ = None
    sys.modules["__main__"] = main
    status = 0
    try:
        with open(path, "rb") as fh:
            code = compile(fh.read(), path, "exec")
        exec(code, main.__dict__)
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException as exc:
        tb = exc.__traceback__
        tb = tb.tb_next if tb is not None else None  # not this function's frame
        try:
            traceback.print_exception(type(exc), exc, tb)
        except Exception:
            pass
        status = 1
    try:
        import threading

        threading._shutdown()
    except Exception:
        pass
    try:
        atexit._run_exitfuncs()
    except Exception:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            status = status or 120
    os._exit(status)


def run_child(spawn, limits, stdin_bytes, budget, deadline, report_fd=None, startup_grace=0.0):
    """Run one untrusted child, draining its pipes while it runs; never buffer more than budget.

    ``spawn(apply_limits)`` starts the child and returns (pid, stdin_w, stdout_r, stderr_r).
    ``budget`` is a one-element list: the output bytes still allowed in this execution.
    ``startup_grace`` > 0: the child is the harness's own test worker, which loads pytest and
    hypothesis before any candidate code and then reports ``ready`` with the CPU time that took.
    That time is the harness's, not the candidate's: the CPU budget starts after it (up to the
    grace), so a fresh interpreter and a forked warm one judge a program alike.
    """
    out = ChildOutcome()
    start = time.monotonic()
    pid, in_fd, out_fd, err_fd = spawn(_child_limits(limits, startup_grace))
    sel = selectors.DefaultSelector()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    for fd in (out_fd, err_fd):
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, "out")
    if report_fd is not None:
        os.set_blocking(report_fd, False)
        sel.register(report_fd, selectors.EVENT_READ, "report")
        bufs[report_fd] = bytearray()
    pending = memoryview(stdin_bytes or b"")
    in_open = True
    if pending:
        os.set_blocking(in_fd, False)
        sel.register(in_fd, selectors.EVENT_WRITE, "in")
    else:
        os.close(in_fd)
        in_open = False
    open_readers = len(bufs)

    def kill_group():
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass

    status = None
    rusage = None
    # RLIMIT_CPU counts whole seconds; a fractional budget (e.g. 0.25 s for mutants) is enforced here
    # by watching the child's CPU time. The rlimit stays as the backstop for everything it forks.
    cpu_budget = float(limits["cpu_seconds"])
    watch_cpu = startup_grace > 0 or cpu_budget < int(cpu_budget + 0.999)
    baseline = None if startup_grace > 0 else 0.0  # the harness's own startup CPU, once reported
    next_cpu_check = start
    while True:
        now = time.monotonic()
        if now >= deadline:
            out.reason = out.reason or "wall"
            kill_group()
            break
        if watch_cpu and now >= next_cpu_check:
            next_cpu_check = now + 0.01
            if _cpu_seconds(pid) >= cpu_budget + (startup_grace if baseline is None else baseline):
                out.reason = "cpu"
                kill_group()
                break
        if open_readers == 0 and not pending:
            # every pipe closed; wait for the exit, still under the deadline
            got, st, ru = os.wait4(pid, os.WNOHANG)
            if got:
                status, rusage = st, ru
                break
            time.sleep(min(0.002, max(0.0, deadline - now)))
            continue
        events = sel.select(timeout=min(0.01 if watch_cpu else 0.05, max(0.0, deadline - now)))
        for key, _ in events:
            fd = key.fd
            if key.data == "in":
                try:
                    n = os.write(fd, pending[:65536])
                    pending = pending[n:]
                except OSError:
                    pending = memoryview(b"")
                if not pending:
                    sel.unregister(fd)
                    os.close(fd)
                    in_open = False
                continue
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(fd)
                open_readers -= 1
                continue
            if key.data == "report":
                bufs[fd] += chunk
                if baseline is None and b"\n" in bufs[fd]:
                    baseline = _ready_cpu(bytes(bufs[fd][: bufs[fd].index(b"\n")]), startup_grace)
                if len(bufs[fd]) > REPORT_CAP:
                    out.reason = "report"
                    kill_group()
            else:
                room = budget[0]
                bufs[fd] += chunk[:room]
                budget[0] = max(0, room - len(chunk))
                if len(chunk) > room:
                    out.reason = "output"
                    kill_group()
        if out.reason:
            break
        got, st, ru = os.wait4(pid, os.WNOHANG)
        if got:
            status, rusage = st, ru
            # drain what is left in the pipes (bounded by the budget), then stop
            _drain(sel, bufs, budget, out)
            break
    if status is None:
        kill_group()
        _, status, rusage = os.wait4(pid, 0)
    kill_group()
    sel.close()
    for fd in [out_fd, err_fd] + ([in_fd] if in_open else []):
        try:
            os.close(fd)
        except OSError:
            pass
    out.stdout = bytes(bufs[out_fd])
    out.stderr = bytes(bufs[err_fd])
    if report_fd is not None:
        out.report = bytes(bufs[report_fd])
        try:
            os.close(report_fd)
        except OSError:
            pass
    out.wall_s = time.monotonic() - start
    if baseline is None and report_fd is not None and b"\n" in out.report:
        baseline = _ready_cpu(out.report[: out.report.index(b"\n")], startup_grace)
    total = rusage.ru_utime + rusage.ru_stime if rusage else 0.0
    out.cpu_s = max(0.0, total - (baseline or 0.0))
    if os.WIFEXITED(status):
        out.exit_code = os.WEXITSTATUS(status)
    elif os.WIFSIGNALED(status):
        out.term_signal = os.WTERMSIG(status)
    return out


def _ready_cpu(first_line, grace):
    """The startup CPU a worker reported in its first report line (trusted: it is written before
    any candidate code runs), at most ``grace``; 0 when the first line is anything else."""
    try:
        msg = json.loads(first_line)
        if msg.get("event") == "ready":
            return min(max(0.0, float(msg["cpu"])), grace)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return 0.0


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pgid):
    """CPU time of the child's process group: every live member, plus the members it reaped."""
    total = 0
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return 0.0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid, "rb") as fh:
                stat = fh.read()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(b")") + 2 :].split()
        # after "pid (comm) ": state ppid pgrp ... utime stime cutime cstime are fields 11-14
        if len(fields) > 14 and int(fields[2]) == pgid:
            total += sum(int(x) for x in fields[11:15])
    return total / float(_CLK_TCK)


def _drain(sel, bufs, budget, out):
    for _ in range(10000):
        events = sel.select(timeout=0)
        if not events:
            return
        progressed = False
        for key, _ in events:
            if key.data == "in":
                continue
            try:
                chunk = os.read(key.fd, 65536)
            except (BlockingIOError, OSError):
                continue
            if not chunk:
                sel.unregister(key.fd)
                continue
            progressed = True
            if key.data == "report":
                bufs[key.fd] += chunk[: max(0, REPORT_CAP - len(bufs[key.fd]))]
            else:
                room = budget[0]
                bufs[key.fd] += chunk[:room]
                budget[0] = max(0, room - len(chunk))
                if len(chunk) > room:
                    out.reason = "output"
                    return
        if not progressed:
            return


def classify_kill(out, limits, oom_before):
    """Why did a child stop abnormally? Returns a status string or None for a normal exit."""
    if out.reason == "output":
        return "output_exceeded"
    if out.reason in ("wall", "cpu"):
        return "timeout"
    if out.reason == "report":
        return "error"
    oom_after = _oom_kills()
    if oom_before is not None and oom_after is not None and oom_after > oom_before:
        return "memory_exceeded"
    sig = out.term_signal
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and out.cpu_s >= float(limits["cpu_seconds"]) - 0.05):
        return "timeout"
    if sig == signal.SIGXFSZ:
        return "error"
    if sig == signal.SIGKILL:
        # killed, not by us, not for CPU: under a memory cgroup that is the OOM killer
        return "memory_exceeded" if limits.get("memory_cgroup") else "error"
    return None


# --------------------------------------------------------------------------- function problems


def expected_tests(source):
    """Names of the tests a pytest run must report, from the tests' syntax tree (fail closed)."""
    tree = ast.parse(source)
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    names.append("%s::%s" % (node.name, item.name))
    return names


def _base_name(nodeid):
    name = nodeid.split("::", 1)[1] if "::" in nodeid else nodeid
    return name.split("[", 1)[0]


def worker_env(work, limits):
    env = {
        "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
        "HOME": work,
        "TMPDIR": work,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONNOUSERSITE": "1",
        "TZ": "UTC",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "HYPOTHESIS_NO_PLUGINS": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    return env


def run_function(job, solution, tests, work, limits, budget, deadline):
    try:
        names = expected_tests(tests)
    except SyntaxError as exc:
        return {
            "status": "error",
            "message": "the tests do not parse: line %s: %s" % (exc.lineno, exc.msg),
            "tests": [],
        }
    if not names:
        return {"status": "error", "message": "the tests define no test_* function", "tests": []}
    taken = set(names)
    canary_pass = "test_%s" % secrets.token_hex(6)
    canary_fail = "test_%s" % secrets.token_hex(6)
    while canary_pass in taken or canary_fail in taken:  # pragma: no cover - 48 random bits
        canary_pass, canary_fail = "test_%s" % secrets.token_hex(6), "test_%s" % secrets.token_hex(6)
    token = secrets.token_hex(8)
    planted = "\n\n\ndef %s():\n    assert True\n\n\ndef %s():\n    raise AssertionError(%r)\n" % (
        canary_pass,
        canary_fail,
        token,
    )
    test_name = "test_solution.py"
    with open(os.path.join(work, "solution.py"), "w", encoding="utf-8") as fh:
        fh.write(solution)
    with open(os.path.join(work, test_name), "w", encoding="utf-8") as fh:
        fh.write(tests + planted)
    with open(os.path.join(work, "pytest.ini"), "w", encoding="utf-8") as fh:
        fh.write("[pytest]\n")

    try:
        fast = plain_tests_only(tests)
    except SyntaxError:
        fast = False
    rfd, wfd = os.pipe()
    env = worker_env(work, limits)
    argv = [sys.executable, "-B", "-s", os.path.abspath(__file__), "--worker", work, test_name, str(wfd)]
    argv.append("fast" if fast else "pytest")
    request = {"target": "worker", "work": work, "test_name": test_name, "fast": fast}

    def spawn(apply_limits):
        try:
            return _spawn_candidate(
                job, request, env, work, limits, STARTUP_GRACE_S, deadline, wfd
            ) or _spawn_exec(argv, env, work, apply_limits, wfd)
        finally:
            os.close(wfd)  # the report pipe must reach EOF when the worker exits

    oom_before = _oom_kills()
    out = run_child(spawn, limits, b"", budget, deadline, report_fd=rfd, startup_grace=STARTUP_GRACE_S)
    killed = classify_kill(out, limits, oom_before)

    records = {}
    order = []
    collect_error = None
    duplicate = None
    started = None
    done = False
    done_exit = None
    bad_lines = 0
    for line in out.report.splitlines():
        try:
            msg = json.loads(line)
            event = msg["event"]
        except (ValueError, KeyError, TypeError):
            bad_lines += 1
            continue
        if event == "start":
            started = str(msg.get("name", ""))
        elif event == "result":
            name = str(msg.get("name", ""))
            if name in records:
                duplicate = name
            else:
                order.append(name)
            records[name] = {
                "name": name,
                "status": str(msg.get("status", "error")),
                "message": _cap(str(msg.get("message", ""))),
            }
            started = None
        elif event == "collect_error":
            collect_error = _cap(str(msg.get("message", "")))
        elif event == "done":
            done = True
            done_exit = msg.get("exit")

    result = {"stdout": out.stdout, "stderr": out.stderr, "cpu_s": out.cpu_s}
    tamper = []
    if duplicate:
        tamper.append("test %s reported twice" % duplicate)
    if bad_lines:
        tamper.append("%d unreadable report lines" % bad_lines)
    canary_seen = [n for n in order if _base_name(n) in (canary_pass, canary_fail)]
    for name in canary_seen:
        rec = records[name]
        want = "passed" if _base_name(name) == canary_pass else "failed"
        if rec["status"] != want or (want == "failed" and token not in rec["message"]):
            tamper.append("the harness's control tests did not come out as built")
    if done and collect_error is None and done_exit in (3, 4):
        collect_error = "pytest could not run the tests (exit code %s): %s" % (
            done_exit,
            _cap(out.stderr.decode("utf-8", "replace")),
        )
    if done and collect_error is None and len(canary_seen) != 2:
        tamper.append("control tests missing from the report")

    final = []
    for name in order:
        if _base_name(name) in (canary_pass, canary_fail):
            continue
        final.append(records[name])
    reported_bases = {_base_name(n) if "::" not in n else n.split("[", 1)[0] for n in order}
    reported_bases |= {_base_name(n) for n in order}
    for name in names:
        short = name.split("::")[-1]
        if name in reported_bases or short in reported_bases:
            continue
        if killed and started and _base_name(started) in (name, short):
            final.append({"name": name, "status": killed, "message": _kill_message(killed, limits)})
        else:
            final.append(
                {
                    "name": name,
                    "status": "error" if collect_error else "failed",
                    "message": "no result reported: the run ended before this test finished",
                }
            )

    if tamper:
        # nothing this run reported can be trusted
        final = [
            {
                "name": r["name"],
                "status": "error",
                "message": "untrusted: the run tampered with the test harness",
            }
            for r in final
        ]
        result.update(
            status="error", message="harness integrity check failed: " + "; ".join(tamper), tests=final
        )
        return result
    if killed:
        # the test that was running when the kill came carries the kill's status
        if started:
            for rec in final:
                if rec["name"] == started and rec["status"] not in ("passed",):
                    rec["status"], rec["message"] = killed, _kill_message(killed, limits)
        result.update(status=killed, message=_kill_message(killed, limits), tests=final)
        return result
    if collect_error is not None:
        for rec in final:
            rec["status"], rec["message"] = "error", "not run: " + collect_error[:300]
        result.update(
            status="error", message="could not load the solution or the tests: " + collect_error, tests=final
        )
        return result
    if not done:
        result.update(
            status="error",
            message="the test run ended early (exit code %s, signal %s)" % (out.exit_code, out.term_signal),
            tests=final,
        )
        return result
    if any(r["status"] == "memory_exceeded" or r["message"].startswith("MemoryError") for r in final):
        result.update(status="memory_exceeded", message=_kill_message("memory_exceeded", limits), tests=final)
        return result
    status = "passed" if final and all(r["status"] == "passed" for r in final) else "failed"
    result.update(status=status, message="", tests=final)
    return result


def _kill_message(status, limits):
    if status == "timeout":
        return "time limit exceeded (%g s CPU / %g s wall)" % (
            float(limits["cpu_seconds"]),
            float(limits["wall_seconds"]),
        )
    if status == "memory_exceeded":
        return "memory limit exceeded (%d MB)" % int(limits["memory_mb"])
    if status == "output_exceeded":
        return "output limit exceeded (%d bytes)" % int(limits["output_bytes"])
    return "the run was stopped: %s" % status


# --------------------------------------------------------------------------- stdio problems


def parse_cases(text):
    data = json.loads(text)
    tol = 1e-6
    if isinstance(data, dict):
        tol = float(data.get("float_tolerance", tol))
        data = data.get("cases")
    if not isinstance(data, list) or not data:
        raise ValueError('stdio tests must be a non-empty JSON list of {"input", "output"} objects')
    cases = []
    for i, case in enumerate(data):
        if (
            not isinstance(case, dict)
            or not isinstance(case.get("input"), str)
            or not isinstance(case.get("output"), str)
        ):
            raise ValueError('stdio case %d must be an object with string fields "input" and "output"' % i)
        cases.append((str(case.get("name") or "case_%d" % i), case["input"], case["output"]))
    return cases, tol


def _is_int(token):
    t = token[1:] if token[:1] in "+-" else token
    return t.isdigit()


def outputs_match(got, want, tol):
    """Trailing whitespace and trailing blank lines ignored; non-integer floats within tol."""
    g = [line.rstrip() for line in got.rstrip().split("\n")]
    w = [line.rstrip() for line in want.rstrip().split("\n")]
    if len(g) != len(w):
        return False, "expected %d lines, got %d" % (len(w), len(g))
    for i, (gl, wl) in enumerate(zip(g, w)):
        if gl == wl:
            continue
        gt, wt = gl.split(), wl.split()
        if len(gt) != len(wt):
            return False, "line %d: expected %r, got %r" % (i + 1, wl[:200], gl[:200])
        for a, b in zip(gt, wt):
            if a == b:
                continue
            if _is_int(b):
                return False, "line %d: expected %r, got %r" % (i + 1, wl[:200], gl[:200])
            try:
                fa, fb = float(a), float(b)
            except ValueError:
                return False, "line %d: expected %r, got %r" % (i + 1, wl[:200], gl[:200])
            if not abs(fa - fb) <= tol * max(1.0, abs(fb)):
                return False, "line %d: expected %r, got %r (tolerance %g)" % (i + 1, wl[:200], gl[:200], tol)
    return True, ""


def run_stdio(job, solution, tests, work, limits, budget, deadline):
    try:
        cases, tol = parse_cases(tests)
    except ValueError as exc:
        return {"status": "error", "message": "the stdio tests are invalid: %s" % exc, "tests": []}
    path = os.path.join(work, "solution.py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(solution)
    env = worker_env(work, limits)
    records = []
    leaked = 0
    stdout, stderr, cpu = b"", b"", 0.0
    overall = None
    for name, given, want in cases:
        if overall is not None:
            records.append(
                {"name": name, "status": "error", "message": "not run: an earlier case hit a limit"}
            )
            continue
        oom_before = _oom_kills()
        out = run_child(
            lambda apply: _spawn_script(job, path, env, work, limits, deadline, apply),
            limits,
            given.encode(),
            budget,
            deadline,
        )
        leaked += kill_everything_but_me()
        cpu += out.cpu_s
        stdout += out.stdout
        stderr += out.stderr
        killed = classify_kill(out, limits, oom_before)
        if killed:
            records.append({"name": name, "status": killed, "message": _kill_message(killed, limits)})
            overall = killed
            continue
        if out.exit_code != 0:
            err = out.stderr.decode("utf-8", "replace")
            status = "memory_exceeded" if "MemoryError" in err else "error"
            msg = "exit code %s, signal %s: %s" % (
                out.exit_code,
                out.term_signal,
                _cap(err.strip()[-MESSAGE_CAP:]),
            )
            records.append({"name": name, "status": status, "message": msg})
            continue
        ok, why = outputs_match(out.stdout.decode("utf-8", "replace"), want, tol)
        records.append({"name": name, "status": "passed" if ok else "failed", "message": why})
    if overall is None:
        if any(r["status"] == "memory_exceeded" for r in records):
            overall = "memory_exceeded"
        else:
            overall = "passed" if all(r["status"] == "passed" for r in records) else "failed"
    message = _kill_message(overall, limits) if overall not in ("passed", "failed") else ""
    if overall == "failed" and all(r["status"] == "error" for r in records):
        overall, message = "error", records[0]["message"]
    return {
        "status": overall,
        "message": message,
        "tests": records,
        "stdout": stdout,
        "stderr": stderr,
        "cpu_s": cpu,
        "leftover_processes": leaked,
    }


# --------------------------------------------------------------------------- scripts


def run_script(job, code, work, limits, budget, deadline):
    """Run ``code`` once as a fresh ``python main.py`` with the job's stdin and report the raw
    outcome (stdout, stderr, exit code): SandboxFusion's ``run_code``. Nothing is judged right or
    wrong; the status only says how the process ended: ``passed`` (exit 0), ``error`` (another
    exit code or a signal), or the limit that stopped it. ``rlimit_data_mb`` (when set) caps the
    program's heap below the container's memory, so going over it raises MemoryError in the
    program, as SandboxFusion's ``memory_limit_MB`` does."""
    path = os.path.join(work, "main.py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(code)
    env = worker_env(work, limits)
    oom_before = _oom_kills()
    out = run_child(
        lambda apply: _spawn_script(job, path, env, work, limits, deadline, apply),
        limits,
        (job.get("stdin") or "").encode("utf-8"),
        budget,
        deadline,
    )
    leaked = kill_everything_but_me()
    killed = classify_kill(out, limits, oom_before)
    if out.exit_code is not None:
        exit_code = out.exit_code
    elif out.term_signal is not None:
        exit_code = -out.term_signal  # subprocess's convention for "killed by this signal"
    else:
        exit_code = None
    err = out.stderr.decode("utf-8", "replace")
    if killed:
        status, message = killed, _kill_message(killed, limits)
    elif exit_code == 0:
        status, message = "passed", ""
    elif "MemoryError" in err:
        cap = limits.get("rlimit_data_mb") or limits["memory_mb"]
        status, message = "memory_exceeded", "memory limit exceeded (%d MB)" % int(cap)
    else:
        status, message = "error", "exit code %s, signal %s" % (out.exit_code, out.term_signal)
    return {
        "status": status,
        "message": message,
        "tests": [],
        "stdout": out.stdout,
        "stderr": out.stderr,
        "cpu_s": out.cpu_s,
        "exit_code": exit_code,
        "run_s": out.wall_s,
        "leftover_processes": leaked,
    }


# --------------------------------------------------------------------------- other languages (stdio)

# How each language compiles and runs. ``artifact``: what a compile leaves for the runs ("binary":
# one executable file, run from a sealed memfd because /tmp is mounted noexec; "classes": Java's
# class directory, kept as a tar; None: nothing to compile). The compile command is part of the
# cache key, so changing a flag never reuses an artifact built without it.
LANGS = {
    "cpp": {
        "source": "main.cpp",
        "compile": ["g++", "-O2", "-std=c++17", "-pipe", "-s", "-o", "main", "main.cpp"],
        "artifact": "binary",
    },
    "rust": {
        "source": "main.rs",
        "compile": ["rustc", "-O", "--edition", "2021", "-C", "strip=symbols", "-o", "main", "main.rs"],
        "artifact": "binary",
    },
    "go": {
        "source": "main.go",
        # no -trimpath: it changes every package's build id, so the whole standard library would be
        # rebuilt in each (empty, per-job) GOCACHE: ~10 s instead of ~0.3 s
        "compile": ["go", "build", "-p", "1", "-ldflags=-s -w", "-o", "main", "main.go"],
        "artifact": "binary",
    },
    "java": {
        "source": "Main.java",
        # -proc:none: no annotation processor (code of the candidate's choosing) runs at compile time
        "compile": [
            "javac",
            "-J-XX:+UseSerialGC",
            "-J-XX:TieredStopAtLevel=1",
            "-J-XX:-UsePerfData",
            "-J-Xshare:auto",
            "-proc:none",
            "-encoding",
            "UTF-8",
            "-d",
            "classes",
            "Main.java",
        ],
        "artifact": "classes",
    },
    "javascript": {"source": "main.js", "compile": None, "artifact": None},
}
COMPILE_DEFAULTS = {"compile_cpu_seconds": 20.0, "compile_wall_seconds": 60.0, "compile_output_bytes": 64000}
# The pool agent's compile cache lives in the agent's own memory (bytes of the artifact): a
# candidate runs as the same uid and could rewrite any file, so no file is trusted across jobs.
# The bound counts against the container's memory; the pool adds it to the container's limit.
COMPILE_CACHE_BYTES = 32 * 1024 * 1024
_MEMORY_MARKERS = (
    "MemoryError",
    "java.lang.OutOfMemoryError",
    "JavaScript heap out of memory",
    "std::bad_alloc",
    "memory allocation of",  # Rust's allocation failure
    "runtime: out of memory",  # Go
)


class ArtifactCache:
    """A least-recently-used map from a compile key to the artifact's bytes, bounded by bytes."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries = {}  # insertion order = recency (dicts keep it; moved to the end on use)

    def get(self, key):
        data = self.entries.pop(key, None)
        if data is not None:
            self.entries[key] = data
        return data

    def put(self, key, data):
        if len(data) > self.max_bytes:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old)
        while self.entries and self.size + len(data) > self.max_bytes:
            evicted = self.entries.pop(next(iter(self.entries)))
            self.size -= len(evicted)
        self.entries[key] = data
        self.size += len(data)


COMPILE_CACHE = None  # set by the pool agent only; the one-shot supervisor has no cache


def _toolchain_id(argv0):
    """Which compiler binary this is (path, size, mtime): part of the cache key."""
    path = shutil.which(argv0) or argv0
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
        return "%s:%d:%d" % (real, st.st_size, int(st.st_mtime))
    except OSError:
        return path


def compile_key(language, source):
    import hashlib

    spec = LANGS[language]
    cmd = spec["compile"]
    h = hashlib.sha256()
    for part in (language, _toolchain_id(cmd[0]), json.dumps(cmd), source):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def _compile_env(work, limits):
    env = worker_env(work, limits)
    env.update(
        {
            "GOCACHE": os.path.join(work, ".gocache"),
            "GOPATH": os.path.join(work, ".gopath"),
            "GOTMPDIR": work,
            "GO111MODULE": "off",
            "GOFLAGS": "",
            "CGO_ENABLED": "0",
            "GOTELEMETRY": "off",
        }
    )
    return env


def _tar_dir(path):
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(path, arcname=".")
    return buf.getvalue()


def _untar_dir(data, path):
    import io
    import tarfile

    os.makedirs(path, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        for member in tar.getmembers():  # our own tar, but never follow anything out of the dir
            if (
                member.issym()
                or member.islnk()
                or member.name.startswith("/")
                or ".." in member.name.split("/")
            ):
                raise ValueError("unexpected member in a cached artifact: %r" % member.name)
        tar.extractall(path)


def _sealed_memfd(data):
    """An executable, write-sealed in-memory file holding ``data``: runs on a noexec /tmp, and the
    program cannot change the binary it runs from."""
    import fcntl

    fd = os.memfd_create("main", os.MFD_ALLOW_SEALING)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        seals = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    except BaseException:
        os.close(fd)
        raise
    return fd


def compile_program(language, source, work, limits, deadline):
    """Compile ``source`` (or take it from the agent's cache): a dict with ``artifact`` (bytes) or
    a ``compile_error`` result, plus ``cached`` and ``compile_s``."""
    spec = LANGS[language]
    started = time.monotonic()
    key = compile_key(language, source)
    cache = COMPILE_CACHE
    if cache is not None:
        data = cache.get(key)
        if data is not None:
            return {"artifact": data, "cached": True, "compile_s": 0.0}
    climits = dict(limits)
    climits["cpu_seconds"] = float(limits.get("compile_cpu_seconds", COMPILE_DEFAULTS["compile_cpu_seconds"]))
    cwall = float(limits.get("compile_wall_seconds", COMPILE_DEFAULTS["compile_wall_seconds"]))
    climits["wall_seconds"] = cwall
    climits["rlimit_data_mb"] = None
    climits_output = int(limits.get("compile_output_bytes", COMPILE_DEFAULTS["compile_output_bytes"]))
    cbudget = [climits_output]
    env = _compile_env(work, limits)
    argv = list(spec["compile"])
    oom_before = _oom_kills()
    out = run_child(
        lambda apply: _spawn_exec(argv, env, work, apply, None),
        climits,
        b"",
        cbudget,
        min(deadline, started + cwall),
    )
    kill_everything_but_me()
    elapsed = time.monotonic() - started
    text = (out.stderr + b"\n" + out.stdout).decode("utf-8", "replace").strip()
    killed = classify_kill(out, climits, oom_before)
    if killed:
        if killed == "output_exceeded":
            what = "compiler output limit exceeded (%d bytes)" % climits_output
        else:
            what = _kill_message(killed, climits)
        message = "compilation stopped: %s" % what
        if text:
            message += "\n" + _cap(text)
        return {"error": message, "cached": False, "compile_s": elapsed, "cpu_s": out.cpu_s}
    if out.exit_code != 0:
        return {
            "error": _cap(text)
            or "the compiler failed (exit code %s, signal %s)" % (out.exit_code, out.term_signal),
            "cached": False,
            "compile_s": elapsed,
            "cpu_s": out.cpu_s,
        }
    try:
        if spec["artifact"] == "classes":
            data = _tar_dir(os.path.join(work, "classes"))
        else:
            with open(os.path.join(work, "main"), "rb") as fh:
                data = fh.read()
    except OSError as exc:
        return {"error": "the compiler left no program: %s" % exc, "cached": False, "compile_s": elapsed}
    if cache is not None:
        cache.put(key, data)
    return {"artifact": data, "cached": False, "compile_s": elapsed, "cpu_s": out.cpu_s}


def _run_argv(language, limits):
    mem = int(limits["memory_mb"])
    if language == "java":
        return [
            "java", "-Xmx%dm" % max(32, mem * 3 // 4), "-Xss64m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto", "-cp", "classes", "Main",
        ]  # fmt: skip
    if language == "javascript":
        return ["node", "--max-old-space-size=%d" % max(16, mem * 3 // 4), "--stack-size=65500", "main.js"]
    return None


def run_compiled_stdio(job, solution, tests, work, limits, budget, deadline):
    """A stdio program in another language: compile once (or take the agent's cached artifact),
    then run every case on it with the same limits, output budget and verdicts as Python stdio.
    A failed compile is ``compile_error`` with the compiler's capped output as the message."""
    language = job["language"]
    if language not in LANGS:
        return {"status": "sandbox_error", "message": "unknown language %r" % (language,), "tests": []}
    if job["kind"] != "stdio":
        return {
            "status": "error",
            "message": "%s programs run as stdio problems only" % language,
            "tests": [],
        }
    try:
        cases, tol = parse_cases(tests)
    except ValueError as exc:
        return {"status": "error", "message": "the stdio tests are invalid: %s" % exc, "tests": []}
    spec = LANGS[language]
    with open(os.path.join(work, spec["source"]), "w", encoding="utf-8") as fh:
        fh.write(solution)
    extra = {}
    exe_fd = None
    compile_cpu = 0.0
    if spec["compile"] is not None:
        compile_started = time.monotonic()
        built = compile_program(
            language,
            solution,
            work,
            limits,
            deadline + float(limits.get("compile_wall_seconds", COMPILE_DEFAULTS["compile_wall_seconds"])),
        )
        # the program's wall budget starts after the compile
        deadline += time.monotonic() - compile_started
        extra = {"compile_cached": built["cached"], "compile_s": round(built["compile_s"], 4)}
        compile_cpu = built.get("cpu_s", 0.0)
        if "error" in built:
            result = {"status": "compile_error", "message": built["error"], "tests": [], "cpu_s": compile_cpu}
            result.update(extra)
            return result
        if spec["artifact"] == "classes":
            _untar_dir(built["artifact"], os.path.join(work, "classes"))
        else:
            exe_fd = _sealed_memfd(built["artifact"])
    env = _compile_env(work, limits)
    argv = ["/proc/self/fd/%d" % exe_fd] if exe_fd is not None else _run_argv(language, limits)
    records = []
    leaked = 0
    stdout, stderr, cpu = b"", b"", 0.0
    overall = None
    try:
        for name, given, want in cases:
            if overall is not None:
                records.append(
                    {"name": name, "status": "error", "message": "not run: an earlier case hit a limit"}
                )
                continue
            oom_before = _oom_kills()
            out = run_child(
                lambda apply: _spawn_exec(argv, env, work, apply, exe_fd),
                limits,
                given.encode(),
                budget,
                deadline,
            )
            leaked += kill_everything_but_me()
            cpu += out.cpu_s
            stdout += out.stdout
            stderr += out.stderr
            killed = classify_kill(out, limits, oom_before)
            if killed:
                records.append({"name": name, "status": killed, "message": _kill_message(killed, limits)})
                overall = killed
                continue
            if out.exit_code != 0:
                err = out.stderr.decode("utf-8", "replace")
                status = "memory_exceeded" if any(m in err for m in _MEMORY_MARKERS) else "error"
                msg = "exit code %s, signal %s: %s" % (
                    out.exit_code,
                    out.term_signal,
                    _cap(err.strip()[-MESSAGE_CAP:]),
                )
                records.append({"name": name, "status": status, "message": msg})
                continue
            ok, why = outputs_match(out.stdout.decode("utf-8", "replace"), want, tol)
            records.append({"name": name, "status": "passed" if ok else "failed", "message": why})
    finally:
        if exe_fd is not None:
            os.close(exe_fd)
    if overall is None:
        if any(r["status"] == "memory_exceeded" for r in records):
            overall = "memory_exceeded"
        else:
            overall = "passed" if all(r["status"] == "passed" for r in records) else "failed"
    message = _kill_message(overall, limits) if overall not in ("passed", "failed") else ""
    if overall == "failed" and all(r["status"] == "error" for r in records):
        overall, message = "error", records[0]["message"]
    result = {
        "status": overall,
        "message": message,
        "tests": records,
        "stdout": stdout,
        "stderr": stderr,
        "cpu_s": cpu,
        "leftover_processes": leaked,
    }
    result.update(extra)
    return result


# --------------------------------------------------------------------------- supervisor


def execute_job(job, solution, tests):
    """Run one job to a result dict; shared by the one-shot supervisor and the pool agent."""
    started = time.monotonic()
    result = {"status": "sandbox_error", "message": "harness did not finish", "tests": []}
    work = None
    budget = None
    try:
        limits = job["limits"]
        deadline = started + float(limits["wall_seconds"])
        work = tempfile.mkdtemp(prefix="work-", dir=job.get("tmp") or None)
        budget = [int(limits["output_bytes"])]
        if job.get("language", "python") != "python":
            result = run_compiled_stdio(job, solution, tests, work, limits, budget, deadline)
        elif job["kind"] == "stdio":
            result = run_stdio(job, solution, tests, work, limits, budget, deadline)
        elif job["kind"] == "script":
            result = run_script(job, solution, work, limits, budget, deadline)
        else:
            result = run_function(job, solution, tests, work, limits, budget, deadline)
    except Exception as exc:  # a harness bug or a broken job: infrastructure, never a score
        result = {"status": "sandbox_error", "message": "harness failure: %r" % (exc,), "tests": []}
    finally:
        result["leftover_processes"] = result.get("leftover_processes", 0) + kill_everything_but_me()
        if work:
            shutil.rmtree(work, ignore_errors=True)
    out = result.get("stdout", b"")
    err = result.get("stderr", b"")
    result["stdout"] = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
    result["stderr"] = err.decode("utf-8", "replace") if isinstance(err, bytes) else err
    result["truncated"] = budget_exhausted(result, budget)
    result["wall_s"] = time.monotonic() - started
    result.setdefault("cpu_s", 0.0)
    return result


def emit(nonce, result, fd=1):
    """Seal a result on the harness's own stdout; no candidate process holds this descriptor."""
    data = ("\n%s %s %s\n" % (RESULT_MARK, nonce, json.dumps(result, separators=(",", ":")))).encode()
    while data:
        try:
            n = os.write(fd, data)
        except OSError as exc:
            if exc.errno == errno.EINTR:
                continue
            raise
        data = data[n:]


def supervise(job_dir):
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    nonce = os.environ.pop("GAPFORGE_NONCE", "")
    try:
        with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as fh:
            job = json.load(fh)
        with open(os.path.join(job_dir, job["solution"]), encoding="utf-8") as fh:
            solution = fh.read()
        with open(os.path.join(job_dir, job["tests"]), encoding="utf-8") as fh:
            tests = fh.read()
    except (OSError, ValueError, KeyError) as exc:
        emit(nonce, {"status": "sandbox_error", "message": "unreadable job: %r" % (exc,), "tests": []})
        return 0
    emit(nonce, execute_job(job, solution, tests))
    return 0


def budget_exhausted(result, budget):
    return bool(budget is not None and budget[0] <= 0) or result.get("status") == "output_exceeded"


# --------------------------------------------------------------------------- pool agent

READY_MARK = "@@GAPFORGE-READY@@"
IPC_RMID = 0


def _remove_sysv_ipc():
    """SysV IPC objects outlive processes; a warm container must not carry them to the next job."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return 0
    removed = 0
    for kind, call in (("shm", "shmctl"), ("msg", "msgctl"), ("sem", "semctl")):
        try:
            with open("/proc/sysvipc/%s" % kind) as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            parts = row.split()
            if len(parts) < 2:
                continue
            ident = int(parts[1])
            if kind == "sem":
                rc = libc.semctl(ident, 0, IPC_RMID)
            else:
                rc = getattr(libc, call)(ident, IPC_RMID, None)
            removed += rc == 0
    return removed


def _wipe(path):
    removed = 0
    try:
        names = os.listdir(path)
    except OSError:
        return 0
    for name in names:
        full = os.path.join(path, name)
        try:
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full, ignore_errors=True)
            else:
                os.unlink(full)
            removed += 1
        except OSError:
            pass
    return removed


def agent():
    """Warm pool agent: PID 1 of a long-lived container. Reads one job per stdin line, runs its
    candidate processes as forks of the zygote (a pre-warmed interpreter forked before any job),
    resets every writable place, seals the result."""
    if os.getpid() != 1:
        # the agent wipes /tmp and kills every process it can between jobs: only ever as PID 1 of
        # its own container, never on a host
        sys.stderr.write("harness.py --agent runs only as PID 1 of a sandbox container\n")
        return 2
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    global COMPILE_CACHE
    COMPILE_CACHE = ArtifactCache(COMPILE_CACHE_BYTES)
    # before any job: no fork of a zygote ever holds a job's data. The script zygote has only the
    # harness's stdlib modules (a small process forks fastest); the worker zygote has the imports
    # every function job needs, so a test worker starts ready
    ZYGOTES["script"] = Zygote().start()
    import _hypothesis_pytestplugin  # noqa: F401
    import _pytest.python
    import _pytest.runner  # noqa: F401
    import hypothesis  # noqa: F401
    import pytest  # noqa: F401

    ZYGOTES["worker"] = Zygote().start()
    os.write(1, ("%s\n" % READY_MARK).encode())
    stdin = os.fdopen(0, "rb", buffering=0)
    buf = b""
    while True:
        chunk = stdin.read(1 << 20)
        if not chunk:
            return 0
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not line.strip():
                continue
            nonce = ""
            try:
                job = json.loads(line)
                nonce = job.pop("nonce")
                job["fork"] = True
                job["tmp"] = "/tmp"
                oom_before = _oom_kills()
                result = execute_job(job, job.pop("solution"), job.pop("tests", ""))
                anomalies = []
                if result.get("leftover_processes"):
                    anomalies.append("leftover_processes")
                oom_after = _oom_kills()
                if oom_before is not None and oom_after is not None and oom_after > oom_before:
                    anomalies.append("oom")
                if result.get("status") == "sandbox_error":
                    anomalies.append("harness_error")
                if _wipe("/tmp") or _wipe("/dev/shm"):
                    anomalies.append("leftover_files")
                if _remove_sysv_ipc():
                    anomalies.append("leftover_ipc")
                if any(z.lost or z.live_pid() is None for z in ZYGOTES.values()):
                    anomalies.append("zygote_lost")
                result["anomalies"] = anomalies
            except Exception as exc:
                result = {
                    "status": "sandbox_error",
                    "message": "agent failure: %r" % (exc,),
                    "tests": [],
                    "anomalies": ["harness_error"],
                }
            emit(nonce, result)


# --------------------------------------------------------------------------- worker (untrusted)


def worker(work, test_name, fd, fast=False):
    write = os.write  # bound before any candidate code runs

    def send(obj):
        data = (json.dumps(obj) + "\n").encode()
        while data:
            data = data[write(fd, data) :]

    os.chdir(work)
    sys.path.insert(0, work)
    time.tzset()  # a forked worker inherits the agent's zone; the env says UTC
    from hypothesis import HealthCheck, settings

    try:  # hypothesis fixed its storage dir at import (the agent's cwd, /tmp): keep it in the work dir
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(os.path.join(work, ".hypothesis"))
    except ImportError:  # pragma: no cover - older hypothesis reads the cwd lazily
        pass

    # determinism: fixed seeds, no example database, nothing that depends on the clock
    settings.register_profile(
        "gapforge",
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    settings.load_profile("gapforge")
    if fast:
        from _pytest.assertion.rewrite import rewrite_asserts  # noqa: F401  (loaded before "ready")

        send({"event": "ready", "cpu": time.process_time()})
        run_plain_tests(work, test_name, send)
        sys.stdout.flush()
        os._exit(0)
    import pytest

    class Reporter:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            outcome = yield
            report = outcome.get_result()
            if call.excinfo is not None:
                exc = call.excinfo.value
                report._gapforge_error = not isinstance(exc, (AssertionError, pytest.fail.Exception))
                report._gapforge_msg = "%s: %s" % (type(exc).__name__, str(exc))

        def pytest_sessionstart(self, session):
            # pytest is configured; nothing of the candidate's has been imported yet
            send({"event": "ready", "cpu": time.process_time()})

        def pytest_collectreport(self, report):
            if report.failed:
                send({"event": "collect_error", "message": str(report.longreprtext)[-3000:]})

        def pytest_runtest_logstart(self, nodeid, location):
            send({"event": "start", "name": nodeid.split("::", 1)[-1]})

        def pytest_runtest_logreport(self, report):
            name = report.nodeid.split("::", 1)[-1]
            if report.when == "call" or (report.when == "setup" and not report.passed):
                if report.passed:
                    send({"event": "result", "name": name, "status": "passed", "message": ""})
                elif report.skipped:
                    send(
                        {
                            "event": "result",
                            "name": name,
                            "status": "failed",
                            "message": "skipped tests count as failed",
                        }
                    )
                else:
                    is_error = getattr(report, "_gapforge_error", True) or report.when == "setup"
                    short = getattr(report, "_gapforge_msg", "")
                    text = str(report.longreprtext)
                    message = (short + "\n" + text[-1500:]) if short else text[-2000:]
                    send(
                        {
                            "event": "result",
                            "name": name,
                            "status": "error" if is_error else "failed",
                            "message": message,
                        }
                    )

    # Autoloading plugins scans every installed distribution's metadata (~100 ms a run); name the
    # few we want instead. Fixtures tests may use (capsys, monkeypatch, tmp_path, caplog) stay on.
    off = [
        "cacheprovider",
        "stepwise",
        "terminal",
        "doctest",
        "junitxml",
        "pastebin",
        "nose",
        "legacypath",
        "faulthandler",
        "debugging",
        "setuponly",
        "setupplan",
        "python_path",
    ]
    args = [test_name, "-s", "--rootdir", work, "-p", "_hypothesis_pytestplugin"]
    for name in off:
        args += ["-p", "no:" + name]
    code = pytest.main(
        args,
        plugins=[Reporter()],
    )
    send({"event": "done", "exit": int(code)})
    sys.stdout.flush()
    os._exit(0)


def _failure_message(exc, tb):
    import traceback

    head = "%s: %s" % (type(exc).__name__, exc)
    frames = traceback.extract_tb(tb)[1:]  # drop the runner's own frame
    where = "".join(traceback.format_list(frames[-3:]))
    return (head + "\n" + where)[-2000:]


def run_plain_tests(work, test_name, send):
    """Plain ``def test_x():`` modules (hypothesis allowed) without pytest's per-run setup (~45 ms).

    Same names, order, statuses and control tests as the pytest path; pytest's assertion
    rewriting still explains failing asserts.
    """
    import types

    from _pytest.assertion.rewrite import rewrite_asserts

    path = os.path.join(work, test_name)
    with open(path, "rb") as fh:
        source = fh.read()
    module = types.ModuleType("test_solution")
    module.__file__ = path
    sys.modules["test_solution"] = module
    try:
        tree = ast.parse(source, filename=path)
        rewrite_asserts(tree, source, path, None)
        exec(compile(tree, path, "exec", dont_inherit=True), module.__dict__)
    except BaseException as exc:
        send({"event": "collect_error", "message": _failure_message(exc, exc.__traceback__)})
        send({"event": "done", "exit": 2})
        return
    names = expected_tests(source.decode("utf-8", "replace"))
    for name in names:
        send({"event": "start", "name": name})
        fn = module.__dict__.get(name)
        if not callable(fn):
            send({"event": "result", "name": name, "status": "error", "message": "%s is not callable" % name})
            continue
        try:
            fn()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            status = "failed" if isinstance(exc, AssertionError) else "error"
            send(
                {
                    "event": "result",
                    "name": name,
                    "status": status,
                    "message": _failure_message(exc, exc.__traceback__),
                }
            )
        else:
            send({"event": "result", "name": name, "status": "passed", "message": ""})
    send({"event": "done", "exit": 0})


PLAIN_DECORATORS = {"given", "settings", "example", "seed", "reproduce_failure"}


def plain_tests_only(source):
    """True when every test is a module-level function pytest would call with no fixtures."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pytest":
            if node.attr in ("fixture", "mark", "yield_fixture", "importorskip", "skip", "xfail"):
                return False
        if isinstance(node, ast.ImportFrom) and node.module == "pytest":
            if any(
                alias.name in ("fixture", "mark", "skip", "xfail", "importorskip") for alias in node.names
            ):
                return False
        if isinstance(node, ast.FunctionDef) and node.name in (
            "setup_module",
            "teardown_module",
            "setup_function",
            "teardown_function",
        ):
            return False
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            return False
        if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("test"):
            return False
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            decorators = []
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                decorators.append(name)
            if any(d not in PLAIN_DECORATORS for d in decorators):
                return False
            if "given" not in decorators and (node.args.args or node.args.kwonlyargs or node.args.vararg):
                return False  # pytest would inject fixtures here
    return True


def main(argv):
    if len(argv) == 2 and argv[1] == "--agent":
        return agent()
    if len(argv) >= 2 and argv[1] == "--worker":
        worker(argv[2], argv[3], int(argv[4]), fast=len(argv) > 5 and argv[5] == "fast")
        return 0
    if len(argv) != 2:
        sys.stderr.write("usage: harness.py JOB_DIR\n")
        return 2
    return supervise(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
