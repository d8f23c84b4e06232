"""Fabricated CA DOJ research-file extracts (deterministic, streaming): see `extract.generate_extract`."""
