"""The widget's JavaScript, as a visitor's browser downloads it: raw, gzip and brotli bytes.

Reads what ``npm run build`` wrote (static/dist/manifest.json names the hashed bundle;
the loader /widget.js is counted too) and exits with status 1 when the compressed
JavaScript is over the budget, so the test suite fails a build that grew too big.
Usage: python benchmarks/bundle_size.py [--budget-kb 30] [--dist static/dist]
"""
import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_KB = 30  # gzipped, loader and bundle together (issue 13)


def sizes(dist: Path) -> dict:
    """Raw, gzip and brotli bytes of the loader and of the bundle the manifest names."""
    bundle = json.loads((dist / "manifest.json").read_text())["kefu-widget"]
    loader = (dist / "widget-loader.js").read_bytes()
    return {
        "loader": {"raw": len(loader), "gzip": len(gzip.compress(loader, 9)), "brotli": None},
        "bundle": {"raw": (dist / bundle).stat().st_size,
                   "gzip": (dist / (bundle + ".gz")).stat().st_size,
                   "brotli": (dist / (bundle + ".br")).stat().st_size},
        "name": bundle,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-kb", type=float, default=BUDGET_KB)
    parser.add_argument("--dist", type=Path, default=ROOT / "static" / "dist")
    args = parser.parse_args(argv)
    s = sizes(args.dist)
    print("| file | raw | gzip | brotli |")
    print("|---|---|---|---|")
    print(f"| widget.js (loader) | {s['loader']['raw']} B | {s['loader']['gzip']} B | — |")
    b = s["bundle"]
    print(f"| {s['name']} | {b['raw']} B | {b['gzip']} B | {b['brotli']} B |")
    total = s["loader"]["gzip"] + b["gzip"]
    budget = args.budget_kb * 1024
    verdict = "within" if total <= budget else "OVER"
    print(f"gzip total {total / 1024:.1f} KB: {verdict} the {args.budget_kb:g} KB budget")
    return 0 if total <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
