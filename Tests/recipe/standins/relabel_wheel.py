#!/usr/bin/env python3
"""Gives a wheel a local version label: PyPI's torch-2.7.1 wheel becomes torch-2.7.1+cu126, the name
PyTorch's own index serves the same build under (PyPI forbids local labels, so the files differ only
in their name and metadata: PyPI's torch 2.7.1 is the cu126 build, its torch.version.cuda says so).

usage: relabel_wheel.py WHEEL LABEL OUT_DIR     prints the new wheel's path

The result is a consistent wheel, not just a renamed file: the file name, the .dist-info folder,
METADATA's Version and RECORD (every moved path, and METADATA's new hash and size) all say
VERSION+LABEL. uv 0.7.2 checks the file name against METADATA's name and version (install.rs:
"Wheel version does not match filename"); a wheel whose RECORD names a path it lacks fails later.
The members are copied compressed as they are (no recompression of a gigabyte), so this takes
seconds; the output is written beside, then renamed into place.
"""
import base64
import csv
import hashlib
import io
import os
import re
import shutil
import struct
import sys
import zipfile


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def new_name(path, old_dist, new_dist):
    return new_dist + path[len(old_dist):] if path.startswith(old_dist + "/") else path


def relabel(wheel, label, out_dir):
    base = os.path.basename(wheel)
    m = re.fullmatch(r"(?P<name>[^-]+)-(?P<version>[^-]+)-(?P<rest>.+)\.whl", base)
    if not m or "+" in m.group("version"):
        sys.exit(f"relabel_wheel: {base} is not a wheel without a local version")
    name, version = m.group("name"), m.group("version")
    new_version = f"{version}+{label}"
    old_dist, new_dist = f"{name}-{version}.dist-info", f"{name}-{new_version}.dist-info"
    out = os.path.join(out_dir, f"{name}-{new_version}-{m.group('rest')}.whl")
    with zipfile.ZipFile(wheel) as source:
        names = source.namelist()
        if old_dist + "/METADATA" not in names or old_dist + "/RECORD" not in names:
            sys.exit(f"relabel_wheel: {base} has no {old_dist}/METADATA and RECORD")
        metadata = source.read(old_dist + "/METADATA").decode("utf-8")
        metadata, count = re.subn(r"(?m)^Version: .*$", f"Version: {new_version}", metadata, count=1)
        if count != 1:
            sys.exit(f"relabel_wheel: {old_dist}/METADATA has no Version line")
        metadata_bytes = metadata.encode("utf-8")
        rows = list(csv.reader(io.StringIO(source.read(old_dist + "/RECORD").decode("utf-8"))))
        record = io.StringIO()
        writer = csv.writer(record, lineterminator="\n")
        for row in rows:
            if not row:
                continue
            path = new_name(row[0], old_dist, new_dist)
            if row[0] == old_dist + "/METADATA":
                writer.writerow([path, record_hash(metadata_bytes), len(metadata_bytes)])
            else:
                writer.writerow([path] + row[1:])
        record_bytes = record.getvalue().encode("utf-8")

        tmp = out + ".tmp"
        with open(tmp, "wb") as raw, zipfile.ZipFile(raw, "w") as target:
            for info in source.infolist():
                renamed = new_name(info.filename, old_dist, new_dist)
                if info.filename in (old_dist + "/METADATA", old_dist + "/RECORD"):
                    replacement = zipfile.ZipInfo(renamed, info.date_time)
                    replacement.external_attr = info.external_attr
                    replacement.compress_type = zipfile.ZIP_DEFLATED
                    target.writestr(replacement, metadata_bytes if info.filename.endswith("METADATA") else record_bytes)
                    continue
                copy_compressed(source, target, raw, info, renamed)
    os.replace(tmp, out)
    return out


def copy_compressed(source, target, raw, info, name):
    """Appends one member to `target` with its compressed bytes copied as they are: a new local
    header with the new name, then the same data, and a central directory entry for it."""
    source.fp.seek(info.header_offset)
    header = source.fp.read(zipfile.sizeFileHeader)
    fields = struct.unpack(zipfile.structFileHeader, header)
    start = info.header_offset + zipfile.sizeFileHeader + fields[zipfile._FH_FILENAME_LENGTH] + fields[zipfile._FH_EXTRA_FIELD_LENGTH]
    copied = zipfile.ZipInfo(name, info.date_time)
    copied.compress_type = info.compress_type
    copied.external_attr, copied.create_system, copied.flag_bits = info.external_attr, info.create_system, info.flag_bits & ~0x08
    copied.CRC, copied.compress_size, copied.file_size = info.CRC, info.compress_size, info.file_size
    copied.header_offset = raw.tell()
    raw.write(copied.FileHeader(zip64=info.file_size > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT))
    source.fp.seek(start)
    remaining = info.compress_size
    while remaining:
        chunk = source.fp.read(min(remaining, 1 << 20))
        if not chunk:
            sys.exit(f"relabel_wheel: {info.filename} is cut short")
        raw.write(chunk)
        remaining -= len(chunk)
    target.filelist.append(copied)
    target.NameToInfo[copied.filename] = copied
    target.start_dir = raw.tell()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    wheel, label, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    print(relabel(wheel, label, out_dir))


if __name__ == "__main__":
    main()
