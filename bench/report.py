#!/usr/bin/env python3
"""Turns the output of bench_com, bench_native, bench_proc, the VHDX benches (bench_vhdx_create,
bench_vhdx_read, and the heap lines bench.sh takes from the VHDX reader's tests) and bench_raw into
the one table bench.sh prints.

Usage: report.py FILE...   (each file holds lines "bench NAME key=value ..."; CRs are ignored)
Exit status 0 whatever the verdicts: a MISS is a finding, not a failure of the benchmark.
"""
import sys

MEMORY_TOLERANCE_KIB = 64
COM_TARGET = 1.5        # COM task at 2,088,960 MB <= 1.5 x the in-process floor
QEMU_TARGET = 20.0      # vhdcreate at 2,088,960 MB >= 20 x faster than qemu-img create
VHDX_DYNAMIC_TARGET = 1.1   # vhdx_create_dynamic at 64 TiB <= 1.1 x its floor
VHDX_QEMU_TARGET = 10.0     # vsdisk create x.vhdx 64T >= 10 x faster than qemu-img create -f vhdx
VHDX_FIXED_TARGET = 1.2     # vhdx_create_fixed <= 1.2 x its reservation floor
VHDX_READ_TARGET = 1.2      # reading a VHDX <= 1.2 x reading the same bytes from a raw file
RAW_FLOOR_TARGET = 1.2      # raw -> fixed VHD / dynamic VHDX (disk_convert) <= 1.2 x its copy floor
SIZES = [3, 130048, 2088960]
SIZE_NAMES = {3: "3 MB", 130048: "127 GB", 2088960: "2,088,960 MB"}


def parse(paths):
    figures = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                words = line.replace("\r", "").split()
                if len(words) < 2 or words[0] != "bench":
                    continue
                values = dict(w.split("=", 1) for w in words[2:] if "=" in w)
                key = (words[1], int(values["size_mb"]) if "size_mb" in values else None)
                figures[key] = values
    return figures


def ms(value):
    v = float(value)
    if v >= 100:
        return f"{v:,.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    if v >= 1:
        return f"{v:.2f} ms"
    return f"{v:.3f} ms"


def spread(fig, unit=ms):
    return f"{unit(fig['median'])} [{unit(fig['min'])}–{unit(fig['max'])}]"


def times(value):
    return f"{float(value):.2f}×"


def rate(value):
    return f"{float(value):,.0f}/s"


def kib(value):
    return f"{float(value):,.0f} KiB"


def size_name(size_mb):
    """67108864 -> "64 TiB", 65536 -> "64 GiB", 2048 -> "2 GiB", 64 -> "64 MiB"."""
    for unit, mb in (("TiB", 1 << 20), ("GiB", 1 << 10)):
        if size_mb >= mb and size_mb % mb == 0:
            return f"{size_mb // mb} {unit}"
    return f"{size_mb:,} MiB"


def find(figs, name):
    """The figure called name, whatever its size."""
    for (n, size), values in figs.items():
        if n == name:
            return size, values
    return None, None


def vhdx_rows(figs, row, verdicts):
    """Creation (dynamic, fixed), reading, and the reader's heap."""
    def target_row(what, size, a, against, b, ratio, target, passed, verdict_name):
        verdict = "PASS" if passed else "MISS"
        verdicts.append((verdict_name, verdict))
        row(what, size, a, against, b, ratio, target, verdict)

    size, lib = find(figs, "vhdx_dynamic_library")
    if lib:
        floor, ratio = figs[("vhdx_dynamic_floor", size)], figs[("vhdx_dynamic_ratio", size)]
        target_row("VHDX: vhdx_create_dynamic (native library)", size_name(size), spread(lib),
                   f"floor: {int(floor['bytes']):,} B, one write + fdatasync", spread(floor),
                   spread(ratio, times), f"≤ {VHDX_DYNAMIC_TARGET:g}×",
                   float(ratio["median"]) <= VHDX_DYNAMIC_TARGET,
                   f"VHDX dynamic at {size_name(size)} vs its floor")
    size, ours = find(figs, "vhdx_dynamic_process_vsdisk")
    if ours:
        qemu, speedup = figs.get(("vhdx_dynamic_process_qemu", size)), figs.get(("vhdx_dynamic_process_speedup", size))
        what = f"VHDX: vsdisk create (whole process, {int(ours['allocated']):,} B allocated)"
        if qemu:
            target_row(what, size_name(size), spread(ours),
                       f"qemu-img create -f vhdx ({int(qemu['allocated']):,} B allocated)", spread(qemu),
                       spread(speedup, times) + " faster", f"≥ {VHDX_QEMU_TARGET:g}× faster",
                       float(speedup["median"]) >= VHDX_QEMU_TARGET,
                       f"vsdisk create .vhdx at {size_name(size)} vs qemu-img create -f vhdx")
        else:
            row(what, size_name(size), spread(ours), "(qemu-img not run)", "", "")
    size, lib = find(figs, "vhdx_fixed_library")
    if lib:
        floor, ratio = figs[("vhdx_fixed_floor", size)], figs[("vhdx_fixed_ratio", size)]
        target_row("VHDX: vhdx_create_fixed (native library)", size_name(size), spread(lib),
                   f"floor: write of the metadata + fallocate of the rest ({int(floor['bytes']):,} B) + fdatasync",
                   spread(floor), spread(ratio, times), f"≤ {VHDX_FIXED_TARGET:g}×",
                   float(ratio["median"]) <= VHDX_FIXED_TARGET,
                   f"VHDX fixed at {size_name(size)} vs its reservation floor")
    size, ours = find(figs, "vhdx_fixed_process_vsdisk")
    if ours:
        qemu, speedup = figs.get(("vhdx_fixed_process_qemu", size)), figs.get(("vhdx_fixed_process_speedup", size))
        if qemu:
            sparse = ", a SPARSE file" if qemu["sparse"] == "yes" else ""
            row(f"VHDX: vsdisk create --fixed (whole process, {int(ours['allocated']):,} B allocated)",
                size_name(size), spread(ours),
                f"qemu-img create -f vhdx -o subformat=fixed ({int(qemu['allocated']):,} B allocated{sparse})",
                spread(qemu), f"{1 / float(speedup['median']):.2f}× qemu-img's time (of the per-run median)")
        else:
            row("VHDX: vsdisk create --fixed (whole process)", size_name(size), spread(ours),
                "(qemu-img not run)", "", "")
    for kind, what in (("warm", "page cache warm"), ("cold", "page cache dropped before each run")):
        size, vhdx = find(figs, f"vhdx_read_{kind}_vhdx")
        if not vhdx:
            continue
        raw, ratio = figs[(f"vhdx_read_{kind}_raw", size)], figs[(f"vhdx_read_{kind}_ratio", size)]
        target_row(f"VHDX: read {size_name(size)} of data through disk_image_read_sectors ({what})",
                   size_name(size), spread(vhdx), "the same bytes from a raw file (pread, 1 MiB)",
                   spread(raw), spread(ratio, times), f"≤ {VHDX_READ_TARGET:g}×",
                   float(ratio["median"]) <= VHDX_READ_TARGET,
                   f"reading a VHDX holding {size_name(size)} ({kind}) vs a raw file")
    heaps = []
    for name, what in (("vhdx_heap_32mib", "a dynamic disk made by vsdisk, 32 MiB blocks"),
                       ("vhdx_heap_1mib", "a dynamic disk made by vsdisk, 1 MiB blocks"),
                       ("vhdx_heap_test_64tib", "the reader test's 64 TiB disk, 1 MiB blocks, data in its last block"),
                       ("vhdx_heap_table", "the malformed table's worst file"),
                       ("vhdx_heap_worst_file", "the reader test's worst file (2047 regions, 64 KiB locator, 32,766 log descriptors)")):
        size, fig = find(figs, name)
        if not fig:
            continue
        detail = f" ({fig['case']} of {fig['cases']} cases)" if "case" in fig else ""
        detail += f", {int(fig['bat_entries']):,} BAT entries" if "bat_entries" in fig else ""
        target_row(f"VHDX reader's peak heap: {what}{detail}", size_name(size) if size else "",
                   f"{int(fig['peak']):,} B", "its bound VHDX_READER_IMAGE_HEAP_MAX", f"{int(fig['bound']):,} B",
                   f"{int(fig['peak']) / int(fig['bound']):.0%} of it", "≤ the bound",
                   int(fig["peak"]) <= int(fig["bound"]), f"VHDX reader's heap: {what}")


def raw_rows(figs, row, verdicts):
    """Raw images in and out (bench_raw): the library against its copy floors, whole processes
    against qemu-img convert, peak memory by the source's size."""
    for name, what in (("raw_fixed_vhd", "fixed VHD"), ("raw_dynamic_vhdx", "dynamic VHDX")):
        size, lib = find(figs, f"{name}_library")
        if not lib:
            continue
        floor, ratio = figs[(f"{name}_floor", size)], figs[(f"{name}_ratio", size)]
        passed = float(ratio["median"]) <= RAW_FLOOR_TARGET
        verdict = "PASS" if passed else "MISS"
        verdicts.append((f"raw {size_name(size)} holding {size_name(int(lib['data_mb']))} into a {what} vs its copy floor", verdict))
        floor_what = ("fallocate of the file, the data runs read and written, the footer, fdatasync"
                      if name == "raw_fixed_vhd" else "the data runs read and written into a file of the VHDX's size, fdatasync")
        row(f"raw → {what}: disk_convert (native library), {size_name(int(lib['data_mb']))} of data",
            size_name(size), spread(lib), f"copy floor: {floor_what}", spread(floor),
            spread(ratio, times), f"≤ {RAW_FLOOR_TARGET:g}×", verdict)
    for name, what, theirs in (
            ("raw_fixed_vhd_process", "vsdisk convert SRC.raw X.vhd fixed",
             "qemu-img convert -f raw -O vpc -o subformat=fixed,force_size"),
            ("raw_dynamic_vhdx_process", "vsdisk convert SRC.raw X.vhdx dynamic",
             "qemu-img convert -f raw -O vhdx"),
            ("vhd_to_raw_process", "vsdisk convert X.vhd Y.raw raw (a dynamic VHD holding the data)",
             "qemu-img convert -f vpc -O raw")):
        size, ours = find(figs, f"{name}_vsdisk")
        if not ours:
            continue
        qemu = figs.get((f"{name}_qemu", size))
        if not qemu:
            row(f"{what} (whole process)", size_name(size), spread(ours), "(qemu-img not run)", "", "")
            continue
        synced, speedup = figs[(f"{name}_qemu_sync", size)], figs[(f"{name}_speedup", size)]
        unflushed = figs[(f"{name}_speedup_unflushed", size)]
        target = verdict = ""
        if name != "vhd_to_raw_process":
            target = "faster"
            verdict = "PASS" if float(speedup["median"]) > 1 else "MISS"
            verdicts.append((f"{what} vs {theirs} + sync", verdict))
        row(f"{what} (whole process, flushed)", size_name(size), spread(ours),
            f"{theirs}, then sync --data (qemu-img alone: {spread(qemu)}, {spread(unflushed, times)} vs it)",
            spread(synced), spread(speedup, times) + " faster", target, verdict)
    mems = sorted((size, values) for (n, size), values in figs.items() if n == "raw_memory_vhdx")
    if len(mems) >= 2:
        (small_size, small), (large_size, large) = mems[0], mems[-1]
        diff = float(large["median"]) - float(small["median"])
        verdict = "PASS" if abs(diff) <= MEMORY_TOLERANCE_KIB and small["method"] == "vmhwm" else "MISS"
        verdicts.append(("vsdisk convert raw → VHDX peak memory independent of the source's size", verdict))
        row("vsdisk convert SRC.raw X.vhdx dynamic: peak RSS (VmHWM at exit, ASLR off)",
            size_name(small_size), spread(small, kib), f"the same data in a {size_name(large_size)} source",
            spread(large, kib), f"{diff:+,.0f} KiB (of medians)",
            f"difference ≤ ±{MEMORY_TOLERANCE_KIB} KiB", verdict)


def main(paths):
    figs = parse(paths)
    rows = []

    def get(name, size=None):
        return figs.get((name, size))

    def row(what, size, value, against, base, ratio, target="", verdict=""):
        rows.append([what, size, value, against, base, ratio, target, verdict])

    verdicts = []

    # COM path under Wine, in one process.
    for size in SIZES:
        task, floor, ratio = get("com_task", size), get("com_floor", size), get("com_ratio", size)
        if not task:
            continue
        target = verdict = ""
        if size == 2088960:
            target = f"≤ {COM_TARGET:g}×"
            verdict = "PASS" if float(ratio["median"]) <= COM_TARGET else "MISS"
            verdicts.append(("COM task at 2,088,960 MB vs in-process floor", verdict))
        row("COM task (Wine, in process)", SIZE_NAMES[size], spread(task),
            f"floor: {int(floor['bytes']):,} B, FlushFileBuffers", spread(floor),
            spread(ratio, times), target, verdict)
    for size in SIZES:
        call, checks, pattern, floor = (get("com_call", size), get("com_checks", size),
                                        get("com_pattern", size), get("com_floor", size))
        if not call:
            continue
        row("↳ until the call returns (checks, CreateFileW, submit)", SIZE_NAMES[size],
            spread(call), "↳ the server's checks alone", spread(checks), "", "", "")
        row("↳ writer's calls on the caller's thread, no COM", SIZE_NAMES[size], spread(pattern),
            "floor (same run)", spread(floor),
            times(float(pattern["median"]) / float(floor["median"])) + " (of medians)", "", "")

    # Native library call.
    for size in SIZES:
        lib, floor, ratio = get("native_library", size), get("native_floor", size), get("native_ratio", size)
        if not lib:
            continue
        row("vhd_create_dynamic (native library, POSIX back end)", SIZE_NAMES[size], spread(lib),
            f"floor: {int(floor['bytes']):,} B, fdatasync", spread(floor), spread(ratio, times))
    for size in SIZES:
        w, fl = get("native_breakdown_write", size), get("native_breakdown_flush", size)
        cr = get("native_breakdown_create", size)
        if not w:
            continue
        row(f"↳ in {w['calls']} writes / {fl['calls']} fdatasync / open", SIZE_NAMES[size],
            f"{ms(w['median'])} / {ms(fl['median'])} / {ms(cr['median'])}", "", "", "")

    # Whole processes.
    start = get("proc_start")
    if start:
        row("process start (vhdcreate --version)", "", spread(start), "", "", "")
    for size in SIZES:
        vhd, qemu, speedup = get("proc_vhdcreate", size), get("proc_qemu", size), get("proc_speedup", size)
        if not vhd:
            continue
        target = verdict = ""
        if qemu and size == 2088960:
            target = f"≥ {QEMU_TARGET:g}× faster"
            verdict = "PASS" if float(speedup["median"]) >= QEMU_TARGET else "MISS"
            verdicts.append(("vhdcreate at 2,088,960 MB vs qemu-img create", verdict))
        row("vhdcreate (whole process)", SIZE_NAMES[size], spread(vhd),
            "qemu-img create -f vpc -o subformat=dynamic" if qemu else "(qemu-img not run)",
            spread(qemu) if qemu else "",
            (spread(speedup, times) + " faster") if speedup else "", target, verdict)

    # Throughput through the COM server.
    seq, seq_rate = get("com_sequential", 130048), get("com_sequential_rate", 130048)
    if seq:
        floor, floor_rate = get("com_sequential_floor", 130048), get("com_sequential_floor_rate", 130048)
        ratio = get("com_sequential_ratio", 130048)
        row(f"COM: {int(seq['count']):,} × 127 GB one after another (delete inside the loop)", "127 GB",
            f"{spread(seq_rate, rate)} ({spread(seq)})",
            f"{int(seq['count']):,} floors (same loop)",
            f"{spread(floor_rate, rate)} ({spread(floor)})", spread(ratio, times) + " the time")
    conc = get("com_concurrent", 130048)
    if conc:
        serial, ratio = get("com_concurrent_serial", 130048), get("com_concurrent_ratio", 130048)
        row(f"COM: {int(conc['count'])} × 127 GB started at once, until all complete", "127 GB",
            spread(conc), f"the same {int(conc['count'])} one after another", spread(serial),
            spread(ratio, times) + " the time")

    # Peak memory.
    small = get("mem_vhdcreate_hwm", 3) or get("mem_vhdcreate_maxrss", 3)
    large = get("mem_vhdcreate_hwm", 2088960) or get("mem_vhdcreate_maxrss", 2088960)
    if small and large:
        method = "VmHWM at exit" if get("mem_vhdcreate_hwm", 3) else "ru_maxrss"
        method += ", ASLR off"
        diff = float(large["median"]) - float(small["median"])
        verdict = "PASS" if abs(diff) <= MEMORY_TOLERANCE_KIB else "MISS"
        verdicts.append(("vhdcreate peak memory independent of size", verdict))
        row(f"vhdcreate peak RSS ({method})", "3 MB", spread(small, kib),
            "the same at 2,088,960 MB", spread(large, kib), f"{diff:+,.0f} KiB (of medians)",
            f"difference ≤ ±{MEMORY_TOLERANCE_KIB} KiB", verdict)
        qs, ql = get("mem_qemu", 3), get("mem_qemu", 2088960)
        if qs and ql:
            row("qemu-img create peak RSS (for comparison)", "3 MB", spread(qs, kib),
                "the same at 2,088,960 MB", spread(ql, kib),
                f"{float(ql['median']) - float(qs['median']):+,.0f} KiB", "", "")

    vhdx_rows(figs, row, verdicts)
    raw_rows(figs, row, verdicts)

    header = ["measurement", "size", "median [min–max]", "compared with", "median [min–max]",
              "ratio", "target", "result"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    for what, verdict in verdicts:
        print(f"{verdict}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
