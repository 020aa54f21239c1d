"""Benchmarks of botanalytics-lambda against the official Botanalytics SDK and a bare handler.

``python -m bench`` runs every scenario in one go and writes ``bench/RESULTS.md`` and
``bench/latency.png``; ``python -m bench --quick`` does the same with tiny sizes (used by the smoke test).
Never imported by the layer; its dependencies are in ``bench/requirements.txt``.
"""
