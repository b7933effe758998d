"""The command lines: bad numbers are usage errors, every option has help, help is plain text."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from lsr_arrayapi.__main__ import build_parser, main, steps
from lsr_arrayapi.bench.__main__ import build_parser as build_bench_parser
from lsr_arrayapi.bench.__main__ import main as bench_main
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.fit import fit_lsr


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


PARSERS = {
    **{f"lsr-arrayapi {name}": p for name, p in subcommands(build_parser()).items()},
    **{f"bench {name}": p for name, p in subcommands(build_bench_parser()).items()},
}

BAD = [
    (main, ["demo", "--n-samples", "-5"], "--n-samples"),
    (main, ["demo", "--n-samples", "1"], "--n-samples"),
    (main, ["demo", "--n-samples", "ten"], "--n-samples"),
    (main, ["demo", "--separation-rank", "0"], "--separation-rank"),
    (main, ["demo", "--seed", "-1"], "--seed"),
    (main, ["demo", "--rule", "no_such_rule"], "--rule"),
    (main, ["reproduce", "linear", "--trials", "0"], "--trials"),
    (main, ["reproduce", "linear", "--sizes", "500", "-3"], "--sizes"),
    (main, ["reproduce", "linear", "--backend", "jax"], "--backend"),
    (main, ["reproduce", "linear", "--rules", "qr", "no_such_rule"], "--rules"),
    (bench_main, ["coldstart", "--seeds", "0"], "--seeds"),
    (bench_main, ["roofline", "--shape", "28", "0", "28"], "--shape"),
    (bench_main, ["roofline", "--repeat", "0"], "--repeat"),
    (bench_main, ["rules", "--iters", "-1"], "--iters"),
    (bench_main, ["schedule", "--separation-rank", "0"], "--separation-rank"),
    (bench_main, ["scaleout", "--iters", "1"], "--iters"),
    (bench_main, ["scaling", "--repeat", "0"], "--repeat"),
    (bench_main, ["peers", "--tensorly-n", "1"], "--tensorly-n"),
]


@pytest.mark.parametrize(("entry", "argv", "option"), BAD, ids=[" ".join(b[1]) for b in BAD])
def test_a_bad_number_or_name_is_a_usage_error_naming_the_option(entry, argv, option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        entry(argv)
    assert exit_info.value.code == 2  # argparse's usage error, before any work starts
    err = capsys.readouterr().err
    assert f"argument {option}:" in err and "usage:" in err
    assert "Traceback" not in err


def test_a_bad_value_from_the_shell_prints_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "lsr_arrayapi", "demo", "--n-samples", "-5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "argument --n-samples: must be an integer >= 2, got '-5'" in result.stderr
    assert "Traceback" not in result.stderr


def _missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


#: (entry, argv, option, part of the message): values the library rejects after parsing, a
#: backend that is not there, a path that cannot be used, a filter that selects nothing;
#: "{tmp}" is the test's tmp_path, with a plain file "{tmp}/file" in it
REJECTED = [
    (main, ["demo", "--separation-rank", "50"], "--separation-rank", "use separation_rank <= 34"),
    (bench_main, ["roofline", "--n", "10", "--rank", "100"], "--rank", "ranks[0] = 100 must be"),
    (bench_main, ["roofline", "--shape", "4"], "--shape", "needs K >= 2 sizes"),
    (bench_main, ["scaleout", "--n", "10", "--separation-rank", "100", "--dir", "{tmp}"],
     "--separation-rank", "separation_rank=100 is too large"),
    (bench_main, ["coverage", "--method", "bootstrap", "--n-boot", "1", "--replicates", "1",
                  "--only", "gaussian", "--separation-rank", "1"], "--n-boot", ">= 2, got '1'"),
    (bench_main, ["multiclass", "--n", "1"], "--n", ">= 40, got '1'"),
    (bench_main, ["scaleout", "--memory-limit", "abc"], "--memory-limit", "'abc'"),
    (bench_main, ["roofline", "--backends", "nope"], "--backends", "unknown backend 'nope'"),
    pytest.param(main, ["reproduce", "linear", "--backend", "cupy", "--out", "{tmp}"],
                 "--backend", "CuPy, the GPU backend, is not installed",
                 marks=pytest.mark.skipif(not _missing("cupy"), reason="CuPy is installed")),
    pytest.param(main, ["reproduce", "linear", "--backend", "torch:cuda", "--out", "{tmp}"],
                 "--backend", "'torch:cuda' is not available here",
                 marks=pytest.mark.skipif(_missing("torch") or _has_cuda(), reason="CUDA torch")),
    (main, ["reproduce", "linear", "--report-only", "--out", "{tmp}"], "--report-only",
     "no records in '{tmp}/linear' (no records.json); run without --report-only first"),
    (main, ["reproduce", "linear", "--quick", "--out", "{tmp}/file"], "--out", "{tmp}/file"),
    (main, ["reproduce", "vessel", "--data", "{tmp}/none.npz", "--out", "{tmp}"], "--data",
     "no file '{tmp}/none.npz'"),
    (bench_main, ["scaleout", "--n", "10", "--dir", "{tmp}/none"], "--dir", "no folder"),
    (bench_main, ["scaling", "--plot", "{tmp}/none/x.png"], "--plot", "no folder '{tmp}/none'"),
    (bench_main, ["coverage", "--only", "nope"], "--only", "choose from 'gaussian', 'logistic'"),
    (bench_main, ["coverage", "--only", "gamma", "--separation-rank", "2"], "--separation-rank",
     "nothing matches 2; available: gamma S=1"),
    (bench_main, ["selection", "--only", "nope"], "--only", "choose from 'gaussian', 'logistic'"),
    (bench_main, ["coldstart", "--only", "nope"], "--only",
     "nothing matches 'nope'; available: paper linear, paper logistic,"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "argv", "option", "message"),
    REJECTED,
    ids=[" ".join(case.values[1] if hasattr(case, "values") else case[1]) for case in REJECTED],
)
def test_a_value_the_run_cannot_use_is_a_usage_error_before_any_work(
    entry, argv, option, message, tmp_path, capsys, monkeypatch
):
    from lsr_arrayapi.bench import scaling

    (tmp_path / "file").write_text("")
    monkeypatch.setattr(scaling, "measure", lambda *args: (1.0, 1.0))  # no sweep before the plot
    with pytest.raises(SystemExit) as exit_info:
        entry([part.format(tmp=tmp_path) for part in argv])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    prog = "lsr-arrayapi" if entry is main else "python -m lsr_arrayapi.bench"
    assert f"{prog} {argv[0]}: error: argument {option}: " in captured.err
    assert message.format(tmp=tmp_path) in captured.err
    assert "Traceback" not in captured.err and "|" not in captured.out  # no table was begun


def test_a_usage_error_after_parsing_prints_no_traceback_from_the_shell(tmp_path):
    command = ["-m", "lsr_arrayapi.bench", "scaleout", "--n", "10", "--dir", str(tmp_path / "x")]
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"python -m lsr_arrayapi.bench scaleout: error: argument --dir: no folder "
        f"'{tmp_path / 'x'}'"
    )


def test_an_error_during_the_run_keeps_its_traceback(monkeypatch):
    from lsr_arrayapi.bench import multiclass

    def fails(args):
        raise ValueError("a fault mid-run")

    monkeypatch.setattr(multiclass, "run", fails)
    with pytest.raises(ValueError, match="a fault mid-run"):
        bench_main(["multiclass"])


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_option_has_help_and_help_is_plain_text(name):
    parser = PARSERS[name]
    missing = [
        action.dest
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == [], f"{name}: options without help: {missing}"
    text = parser.format_help()
    for markup in ("``", ":mod:", ":func:", ":class:"):
        assert markup not in text, f"{name} --help shows reStructuredText {markup}"


def test_top_level_help_is_plain_text():
    for parser in (build_parser(), build_bench_parser()):
        text = parser.format_help()
        assert "``" not in text and ":mod:" not in text


def test_demo_names_what_runs_not_none(capsys):
    assert main(["demo", "--n-samples", "300", "--separation-rank", "1"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "None" not in header
    assert header.endswith("S = 1, automatic schedule (alternating least squares)")


def test_steps_follow_the_automatic_schedule():
    X = make_lsr_problem(50, random_state=0).X
    assert steps(X, "gaussian", 1, None) == "automatic schedule (alternating least squares)"
    assert steps(X, "gaussian", 2, None) == "automatic schedule (Riemannian L-BFGS)"
    assert steps(X, "logistic", 1, None) == "automatic schedule (Riemannian L-BFGS)"
    assert steps(X, "gaussian", 2, "muon") == "rule 'muon' in the Gauss-Seidel schedule"


@pytest.mark.filterwarnings("ignore")  # a short fit on few samples: warnings expected
def test_lsrfit_repr_is_one_line_of_numbers_not_arrays():
    problem = make_lsr_problem(300, random_state=0)
    fit = fit_lsr(problem.X, problem.y, ranks=(2, 3, 2), separation_rank=2, max_iter=3)
    text = repr(fit)
    assert "\n" not in text and len(text) < 250
    assert "array" not in text
    assert text.startswith("LSRFit(shape=(10, 15, 20), ranks=(2, 3, 2), separation_rank=2, ")
    assert f"n_iter={fit.n_iter}, converged={fit.converged}, " in text
    assert f"final_loss={fit.history['loss'][-1]:.6g}" in text
    assert text.endswith("namespace=numpy)")
