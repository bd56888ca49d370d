"""Checkpoint upload the way Linnaeus does it: rclone as a subprocess."""
import shutil
import subprocess


def rclone_version():
    exe = shutil.which("rclone")
    if exe is None:
        raise RuntimeError("rclone is not installed")
    return subprocess.run([exe, "version"], check=True, capture_output=True, text=True).stdout.splitlines()[0]


def upload(local, remote):
    subprocess.run(["rclone", "copy", local, remote], check=True)
