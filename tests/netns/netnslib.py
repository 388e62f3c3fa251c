"""What the kernel scenarios share: running a command (in a namespace) and reading the
kernel's own log records from /dev/kmsg from the moment the test starts."""
import os, subprocess

def sh(*cmd, ns=None, check=True, input=None):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True, input=input)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(full)}: {r.stderr.strip()}")
    return r.stdout

def kmsg_open():
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(fd, 0, os.SEEK_END)
    return fd

def kmsg_read(fd):
    """the text of every record printed since the last call"""
    lines = []
    while True:
        try:
            rec = os.read(fd, 8192)
        except BlockingIOError:
            return lines
        except OSError:  # EPIPE: records overwritten before we read them
            continue
        lines.append(rec.decode("utf-8", "replace").partition(";")[2].split("\n", 1)[0])
