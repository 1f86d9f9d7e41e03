"""``python3 -m neuronguard.serve MODEL_DIR``: a guarded OpenAI-compatible server (FastAPI + uvicorn). See
clients/python/README.md, "Guarded OpenAI-compatible server"."""
