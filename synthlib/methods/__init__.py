"""Methods: one subpackage or module per paper, each a Config dataclass plus ``run(config, run_dir)``.

Methods never import each other; shared pieces live one layer down (teachers, students, loop).
"""
