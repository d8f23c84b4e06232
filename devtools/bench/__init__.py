"""`make bench`: end-to-end timings and peak memory of `cleanslate run` at several sizes."""
