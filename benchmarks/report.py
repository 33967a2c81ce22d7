"""The Markdown tables benchmarks/load.py prints: figures per server, then ratios to the floor.

Kept apart from the driver so that load.py holds only what runs the load.  The machine
the figures come from is noisy (shared cores), so the ratios against the floor measured
in the same run are the figures that carry over to another machine.
"""


def fmt(value, digits=1):
    """A number for a table cell; ``-`` for a figure that does not exist."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def describe(row):
    """'100 visitors, closed loop' / '500 visitors every 2 s (250 msg/s offered)'."""
    if row["kind"] == "closed":
        return f"{row['visitors']:,} visitors, closed loop"
    return (f"{row['visitors']:,} visitors every {row['period_s']:g} s "
            f"({row['offered_per_s']:,.0f} msg/s offered)")


def print_report(rows, host, args):
    """Per-server figures for every (mode, load), then kefu / floor ratios."""
    print(f"Throughput against the framework floor; {host['cpu']}, {host['cores']} cores, "
          f"Python {host['python']}, load average {host['load_average']}, {host['date']}; "
          f"{args.seconds:g} s per load, reply timeout {args.timeout:g} s")
    print()
    print("| mode | load | server | msg/s | p50 ms | p99 ms | sent | lost | dup | "
          "refused | server CPU s | CPU ms/msg | RSS idle MB | RSS connected MB | "
          "RSS peak MB | MB / 1,000 conn |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['load']}: {describe(r)} | {r['server']} | "
              f"{fmt(r['msgs_per_s'], 0)} | {fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | "
              f"{r['sent']:,} | {r['lost']:,} | {r['duplicated']:,} | {r['refused']:,} | "
              f"{fmt(r['server_cpu_s'])} | {fmt(r['server_cpu_ms_per_msg'], 2)} | "
              f"{fmt(r['rss_idle_mb'], 0)} | {fmt(r['rss_connected_mb'], 0)} | "
              f"{fmt(r['rss_peak_mb'], 0)} | {fmt(r['mb_per_1000_connections'])} |")
    ratios = ratio_rows(rows)
    if ratios:
        print()
        print("kefu / floor, same mode and load (msg/s: higher is better; the rest: lower)")
        print()
        print("| mode | load | server | msg/s | p50 | p99 | CPU ms/msg | RSS peak |")
        print("|---|---|---|---|---|---|---|---|")
        for mode, load, server, q in ratios:
            print(f"| {mode} | {load} | {server} | {fmt(q['msgs_per_s'], 3)} | "
                  f"{fmt(q['p50_ms'], 2)} | {fmt(q['p99_ms'], 2)} | "
                  f"{fmt(q['server_cpu_ms_per_msg'], 2)} | {fmt(q['rss_peak_mb'], 2)} |")
    modes = {r["mode"] for r in rows}
    if {"eventlet", "gevent"} <= modes:
        print()
        print("gevent / eventlet, same server and load")
        print()
        print("| load | server | msg/s | p50 | p99 |")
        print("|---|---|---|---|---|")
        by_key = {(r["mode"], r["load"], r["server"]): r for r in rows}
        for (mode, load, server), g in by_key.items():
            e = by_key.get(("eventlet", load, server))
            if mode == "gevent" and e:
                print(f"| {load} | {server} | {fmt(ratio(g, e, 'msgs_per_s'), 2)} | "
                      f"{fmt(ratio(g, e, 'p50_ms'), 2)} | {fmt(ratio(g, e, 'p99_ms'), 2)} |")
    by_server = {(r["mode"], r["load"], r["server"]): r for r in rows}
    for (mode, load, server), two in by_server.items():
        one = by_server.get((mode, load, "kefu-pg1"))
        if server in ("kefu-pg2", "kefu-pg2-nginx") and one:
            through = " behind nginx" if server.endswith("-nginx") else " (two ports)"
            print()
            print(f"scale-out, {mode}, load {load}: two processes on PostgreSQL + Redis"
                  f"{through} give {fmt(ratio(two, one, 'msgs_per_s'), 2)}x one process's "
                  "msg/s")
        if two.get("proxy_cpu_s"):
            answered = two["msgs_per_s"] * two["seconds"]
            per_message = two["proxy_cpu_s"] * 1000 / answered if answered else None
            each = " + ".join(f"{c:.1f}" for c in two.get("process_cpu_s", []))
            print(f"nginx, {mode}, load {load}, {server}: {two['proxy_cpu_s']:.2f} s of the "
                  f"server CPU ({fmt(per_message, 2)} ms per message); the kefu processes "
                  f"{each} s")
    print()
    print("generator CPU s (whole generator processes, connecting included; near the load's "
          "length means the generator, "
          "not the server, set the pace): " + ", ".join(
              f"{r['mode']}/{r['load']}/{r['server']} {r['generator_cpu_s']:.1f}" for r in rows))
    total = {key: sum(r[key] for r in rows) for key in ("sent", "answered", "lost",
                                                        "duplicated", "refused")}
    print()
    print(f"messages: sent {total['sent']}, answered {total['answered']}, lost {total['lost']}, "
          f"duplicated {total['duplicated']}; connections refused {total['refused']}")


def ratio(row, base, key):
    """``row[key] / base[key]``, or None when either is missing or the base is zero."""
    if row.get(key) is None or not base.get(key):
        return None
    return row[key] / base[key]


def ratio_rows(rows):
    """(mode, load, server, {figure: kefu / floor}) for every kefu row with a floor row."""
    floors = {(r["mode"], r["load"]): r for r in rows if r["server"] == "floor"}
    out = []
    for r in rows:
        base = floors.get((r["mode"], r["load"]))
        if r["server"] != "floor" and base:
            out.append((r["mode"], r["load"], r["server"],
                        {key: ratio(r, base, key) for key in
                         ("msgs_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_msg",
                          "rss_peak_mb")}))
    return out
