#!/usr/bin/env python3
"""Turns the output of bench_com, bench_native and bench_proc into the one table bench.sh prints.

Usage: report.py FILE...   (each file holds lines "bench NAME key=value ..."; CRs are ignored)
Exit status 0 whatever the verdicts: a MISS is a finding, not a failure of the benchmark.
"""
import sys

MEMORY_TOLERANCE_KIB = 64
COM_TARGET = 1.5        # COM task at 2,088,960 MB <= 1.5 x the in-process floor
QEMU_TARGET = 20.0      # vhdcreate at 2,088,960 MB >= 20 x faster than qemu-img create
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
