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
