"""Command line: ``synthlib run | book | data | config | models | export``.

Every command validates its parameters before importing heavy libraries, so a typo fails fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from synthlib.config import DEFAULT_PROFILE, PROFILES, ConfigError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``synthlib`` command; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as err:
        print(f"synthlib: error: {err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synthlib", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="execute one notebook headless with papermill")
    run.add_argument("notebook", nargs="?", help="notebook name (e.g. data) or path")
    run.add_argument("--list", action="store_true", help="list the notebooks and exit")
    _profile_args(run)
    run.add_argument("-o", "--output", type=Path, help="executed notebook path (default: book/_build/src/NAME.ipynb)")
    run.set_defaults(handler=_run)

    book = commands.add_parser("book", help="execute every notebook and build the HTML book")
    _profile_args(book, with_params=False)
    book.add_argument("--only", nargs="*", default=None, help="execute only these notebooks")
    book.add_argument("--executed", type=Path, default=None,
                      help="reuse notebooks already executed in this profile from this folder (NAME.ipynb, e.g. "
                           "from `synthlib run NAME -o DIR/NAME.ipynb`); the others are executed")
    book.add_argument("--no-strict", dest="strict", action="store_false", help="do not treat warnings as errors")
    book.set_defaults(handler=_book)

    data = commands.add_parser("data", help="inspect and verify the dataset catalog")
    data.add_argument("action", choices=["list", "verify"], help="list datasets, or verify every mirror file")
    data.set_defaults(handler=_data)

    models = commands.add_parser("models", help="list the packaged LLMs, or verify and convert them into the cache")
    models.add_argument("action", choices=["list", "prepare"], help="list them, or verify + assemble + convert now")
    models.add_argument("aliases", nargs="*", help="which packaged models (default: all)")
    models.set_defaults(handler=_models)

    config = commands.add_parser("config", help="show a notebook's resolved config and every field's help")
    config.add_argument("notebook")
    _profile_args(config)
    config.set_defaults(handler=_config)

    export = commands.add_parser("export", help="copy a synthetic dataset out of a run directory (or push it)")
    export.add_argument("run_dir", type=Path, help="a run directory holding datasets/<name>/")
    export.add_argument("out", nargs="?", type=Path, help="new folder to copy the dataset into")
    export.add_argument("--name", help="which dataset, when the run holds several")
    export.add_argument("--list", action="store_true", help="list the run's datasets and exit")
    export.add_argument("--push-to-hub", metavar="REPO_ID", help="upload it to the Hugging Face Hub instead "
                        "(private; needs HF_TOKEN with write access)")
    export.set_defaults(handler=_export)
    return parser


def _profile_args(parser: argparse.ArgumentParser, with_params: bool = True) -> None:
    parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=PROFILES, help="parameter profile")
    if with_params:
        parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                            help="override one config field (repeatable); values are YAML")


def _run(args: argparse.Namespace) -> int:
    from synthlib.book.notebooks import list_notebooks, parse_params, resolve

    if args.list or not args.notebook:
        print("\n".join(list_notebooks()))
        return 0
    params = parse_params(args.param)
    path, config = resolve(args.notebook, args.profile, params)  # fails here, before papermill loads
    from synthlib.book.build import build_dir
    from synthlib.book.execute import execute_notebook

    output = args.output or build_dir() / "src" / path.name
    result = execute_notebook(path, output, config.profile, params, build_dir() / "runs")
    print(f"{path.name}: {'FAILED ' + result.error if result.error else 'ok'} in {result.seconds:.1f}s -> {output}")
    return 1 if result.error else 0


def _book(args: argparse.Namespace) -> int:
    from synthlib.book.notebooks import list_notebooks, resolve

    names = args.only if args.only is not None else list_notebooks()
    paths = [resolve(name, args.profile, {})[0] for name in names]  # validate every profile section first
    from synthlib.book.build import build_dir, build_html, stage
    from synthlib.book.execute import execute_all, reusable

    reused = reusable(paths, args.executed, args.profile) if args.executed else {}
    for path in reused.values():
        print(f"reusing {path} (executed in profile {args.profile})")
    executed_dir = build_dir() / "executed"
    results = execute_all([p for p in paths if p.stem not in reused], executed_dir, args.profile, build_dir() / "runs")
    failed = [r for r in results if r.error]
    if failed:
        for result in failed:
            print(f"FAILED {result.name}: {result.error} (see {result.output})", file=sys.stderr)
        return 1
    fresh = {Path(r.output).stem: Path(r.output) for r in results}
    index = build_html(stage([reused.get(p.stem) or fresh[p.stem] for p in paths]), strict=args.strict)
    print(f"book built: {index}")
    return 0


def _data(args: argparse.Namespace) -> int:
    from synthlib.data import DATASETS

    if args.action == "list":
        for spec in DATASETS.values():
            subsets = f" subsets={len(spec.subsets)}" if spec.subsets else ""
            print(f"{spec.name:16s} {spec.task:20s} splits={','.join(spec.splits)}{subsets}  {spec.description}")
        return 0
    from synthlib.data.catalog import mirror_paths
    from synthlib.data.mirror import data_dir, mirror_file

    if data_dir() is None:
        raise ConfigError("SYNTHLIB_DATA_DIR is unset; point it at the data mirror, e.g. ../shared/data")
    checked = 0
    for spec in DATASETS.values():
        for subset, split in spec.parts():
            for relative in mirror_paths(spec, split, subset):
                if mirror_file(relative) is None:
                    raise ConfigError(f"{data_dir() / relative} is missing from the mirror")
                checked += 1
    print(f"verified {checked} mirror files against MANIFEST.sha256")
    return 0


def _models(args: argparse.Namespace) -> int:
    import time

    from synthlib import packaged

    aliases = args.aliases or list(packaged.PACKAGED_MODELS)
    for alias in aliases:
        model = packaged.spec(alias)
        if args.action == "list":
            kind = "instruct (chat template)" if model.instruct else "base (few-shot continuation)"
            print(f"{alias:30s} {model.hub_id:36s} {kind:28s} {model.licence}")
            continue
        start = time.perf_counter()
        packaged.verify_parts(alias)
        folder = packaged.checkpoint_dir(alias)
        print(f"{alias}: parts verified, checkpoint ready at {folder} ({time.perf_counter() - start:.0f} s)")
    return 0


def _config(args: argparse.Namespace) -> int:
    import yaml

    from synthlib.book.notebooks import config_class, parse_params, resolve

    path, config = resolve(args.notebook, args.profile, parse_params(args.param))
    print(yaml.safe_dump(config.to_dict(), sort_keys=False).rstrip())
    print("\n# fields\n" + "\n".join(f"# {line}" for line in config_class(path).help().splitlines()))
    return 0


def _export(args: argparse.Namespace) -> int:
    from synthlib.runs import datasets

    sets = datasets.saved_sets(args.run_dir)
    if args.list:
        for path in sets:
            card = datasets.read_card(path)["synthlib"]
            print(f"{path.name:32s} {card['method']:10s} {card['task']:16s} {card['rows']} rows")
        return 0
    if args.push_to_hub:
        chosen = [p for p in sets if args.name in (None, p.name)]
        if len(chosen) != 1:
            raise ConfigError(f"name one dataset with --name; {args.run_dir} holds "
                              f"{', '.join(p.name for p in sets) or 'none'}")
        print(datasets.push_to_hub(chosen[0], args.push_to_hub))
        return 0
    if args.out is None:
        raise ConfigError("give the folder to export into: synthlib export RUN_DIR OUT [--name NAME]")
    print(datasets.export(args.run_dir, args.out, args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
