"""``python3 -m neuronguard.serve MODEL_DIR [--daemon HOST:PORT] [--port 8000] …``: see ``--help``."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable, List, Optional

from .. import fingerprint
from ..client import FAIL_CLOSED, FAIL_OPEN, Client


def parse(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python3 -m neuronguard.serve",
                                description="Guarded OpenAI-compatible server for a Hugging Face causal-LM folder.")
    p.add_argument("model_dir", help="model folder (config.json, *.safetensors, tokenizer files)")
    p.add_argument("--host", default="127.0.0.1", help="HTTP listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--daemon", default=os.environ.get("NEURONGUARD_ADDRESS", "127.0.0.1:50051"),
                   help="NeuronGuard daemon host:port (default $NEURONGUARD_ADDRESS or 127.0.0.1:50051)")
    p.add_argument("--token", default=os.environ.get("NEURONGUARD_TOKEN"), help="ingest token (default $NEURONGUARD_TOKEN)")
    p.add_argument("--fail-mode", choices=(FAIL_OPEN, FAIL_CLOSED), default=FAIL_OPEN,
                   help="daemon unreachable: serve unmonitored (fail_open, default) or refuse (fail_closed)")
    p.add_argument("--lockstep", action="store_true", help="wait for each step's verdict before the next token")
    p.add_argument("--max-batch", type=int, default=8, help="most requests run as one batch (default 8)")
    p.add_argument("--batch-wait-ms", type=float, default=10.0,
                   help="how long the first request of a batch waits for others (default 10 ms)")
    p.add_argument("--tenant", default="", help="tenant of requests that name none (header X-NeuronGuard-Tenant or "
                                                "the body's `user` field name one)")
    p.add_argument("--no-guard", action="store_true", help="serve without NeuronGuard (for comparisons)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--transformers", choices=("auto", "yes", "no"), default="auto",
                   help="load with transformers (auto: when installed) or the built-in GPT-2/Llama loader")
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    import torch
    import uvicorn

    from .app import create_app
    from .engine import Engine
    from .loader import load
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    use = {"auto": None, "yes": True, "no": False}[args.transformers]
    loaded = load(args.model_dir, use)
    client = None
    if not args.no_guard:
        from_folder: Callable[[str], str] = fingerprint.from_folder
        legacy_from_folder: Callable[[str], str] = fingerprint.legacy_from_folder
        fp = from_folder(args.model_dir)
        client = Client(args.daemon, fp, model_id=loaded.name, token=args.token, fail_mode=args.fail_mode,
                        lockstep=args.lockstep, connect_timeout=10.0, legacy_fingerprint=legacy_from_folder(args.model_dir))
        try:
            client.start()
        except Exception as e:
            print(f"neuronguard.serve: {e}", file=sys.stderr)
            return 2
    engine = Engine(loaded, client, args.max_batch, args.batch_wait_ms / 1000.0)
    app = create_app(engine, loaded.name, args.tenant)
    print(f"neuronguard.serve: {loaded.backend} model {loaded.name}, guard "
          f"{'off' if client is None else args.fail_mode}, http://{args.host}:{args.port}", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        engine.close()
        if client is not None:
            client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
