"""Command line: ``python -m curriculum.mastery evaluate --train TRAIN --test TEST``.

Subcommands:
  evaluate   fit on TRAIN (3-line KT format), predict TEST online; prints plain BKT and our model side by
             side; the last line is ``AUC=<float> RMSE=<float>`` of our model.
  fit        fit on TRAIN and write the parameters as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from curriculum.mastery.errors import MasteryError
from curriculum.mastery.evaluate import evaluate_model, evaluate_plain_bkt
from curriculum.mastery.fit import fit
from curriculum.mastery.ktdata import read_kt_file
from curriculum.mastery.online import FEATURES


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m curriculum.mastery", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="fit on TRAIN, score online predictions on TEST")
    ev.add_argument("--train", required=True, type=Path, help="3-line KT file to fit on")
    ev.add_argument("--test", required=True, type=Path, help="3-line KT file to predict")
    ev.add_argument("--no-baseline", action="store_true", help="skip the plain-BKT baseline")
    ev.add_argument("--ablations", action="store_true",
                    help="also score variants of our model (no per-skill weights, no forgetting)")
    ev.add_argument("--params-out", type=Path, help="write the fitted parameters (JSON) here")
    ft = sub.add_parser("fit", help="fit on TRAIN and write parameters as JSON")
    ft.add_argument("--train", required=True, type=Path)
    ft.add_argument("--out", required=True, type=Path)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "fit":
            train = read_kt_file(args.train)
            params = fit([(lid, o) for lid, seq in train for o in seq])
            args.out.write_text(params.to_json(), encoding="utf-8")
            print(f"wrote {args.out} ({len(params.skills)} skills, {len(params.items)} items)")
            return 0
        train = read_kt_file(args.train)
        test = read_kt_file(args.test)
        n_tr = sum(len(s) for _, s in train)
        n_te = sum(len(s) for _, s in test)
        print(f"train: {len(train)} learners, {n_tr} answers; test: {len(test)} learners, {n_te} answers")
        if not args.no_baseline:
            print(evaluate_plain_bkt(train, test).line(), flush=True)
        if args.ablations:
            r, _ = evaluate_model(train, test, name="ours without per-skill weights", per_skill_weights=False)
            print(r.line(), flush=True)
            r, _ = evaluate_model(train, test, name="ours without BKT forgetting", fit_forget=False)
            print(r.line(), flush=True)
            r, _ = evaluate_model(train, test, name="ours without learner-wide recency",
                                  exclude_features=("prev", "recent"))
            print(r.line(), flush=True)
            r, _ = evaluate_model(train, test, name="ours, BKT + Elo features only",
                                  exclude_features=tuple(f for f in FEATURES if f not in ("bkt", "elo")),
                                  per_skill_weights=False)
            print(r.line(), flush=True)
        result, params = evaluate_model(train, test)
        print(result.line())
        if args.params_out:
            args.params_out.write_text(params.to_json(), encoding="utf-8")
        print(f"AUC={result.auc:.4f} RMSE={result.rmse:.4f}")
        return 0
    except MasteryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
