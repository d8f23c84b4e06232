"""Development tools: fabricated extracts, benchmarks, the hostile-input corpus, law cases,
documentation images. Not the runtime: not in the wheel, and `orchestration` never imports
them (make lint, .importlinter). Run them from the repository root: `python -m devtools.<tool>`.
"""
