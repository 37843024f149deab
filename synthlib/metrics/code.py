"""pass@1 for generated Python (MBPP-style): program + its assert tests, run in the sandbox."""

from __future__ import annotations

from collections.abc import Sequence

from synthlib.metrics.sandbox import DEFAULT_LIMITS, SandboxLimits, SandboxResult, run_python


def check_program(program: str, tests: Sequence[str], setup: str = "",
                  limits: SandboxLimits = DEFAULT_LIMITS) -> SandboxResult:
    """Run ``setup``, ``program`` and every assert in ``tests`` in one sandboxed process."""
    source = "\n\n".join(part for part in (setup, program, *tests) if part)
    return run_python(source, limits)


def pass_at_1(programs: Sequence[str], tests: Sequence[Sequence[str]], setups: Sequence[str] | None = None,
              limits: SandboxLimits = DEFAULT_LIMITS) -> float:
    """Share of problems whose single generated program passes all its tests."""
    if len(programs) != len(tests) or not programs:
        raise ValueError(f"{len(programs)} programs for {len(tests)} test lists; pass aligned, non-empty lists")
    setups = setups or [""] * len(programs)
    passed = sum(check_program(p, t, s, limits).passed for p, t, s in zip(programs, tests, setups))
    return passed / len(programs)
