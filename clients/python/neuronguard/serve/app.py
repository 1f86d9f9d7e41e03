"""The OpenAI-compatible HTTP API on FastAPI: ``/v1/completions``, ``/v1/chat/completions`` (both with SSE
streaming), ``/v1/models`` and ``/health``. Every choice carries a ``neuronguard`` object (monitored, flagged,
mitigated, aborted, the final verdict's scores); an aborted choice ends with ``finish_reason: "content_filter"``.
fail_closed with the daemon unreachable: HTTP 503 before streaming starts, an ``error`` event after it started."""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, AsyncIterator, Dict, List, Tuple

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from .engine import Engine, Job

Event = Tuple[str, Any]


def chat_prompt(messages: List[Dict[str, Any]]) -> str:
    """A plain chat template for models without one: ``Q: … / A:`` turns (the trained test model's format)."""
    lines = []
    for m in messages:
        role, content = m.get("role", "user"), str(m.get("content") or "")
        if role == "system":
            lines.append(content)
        elif role == "assistant":
            lines.append(f"A: {content}")
        else:
            lines.append(f"Q: {content}")
    return "\n".join(lines) + "\nA:"


def create_app(engine: Engine, model_name: str, default_tenant: str = "") -> FastAPI:
    app = FastAPI(title="NeuronGuard guarded OpenAI-compatible server")

    def submit(prompt: str, body: Dict[str, Any], tenant: str) -> "asyncio.Queue[Event]":
        loop = asyncio.get_running_loop()
        events: "asyncio.Queue[Event]" = asyncio.Queue()
        ids = engine.loaded.tokenizer.encode(prompt)
        if not ids:
            raise ValueError("the prompt is empty")
        temperature = float(body.get("temperature", 1.0) if body.get("temperature") is not None else 1.0)
        def emit(kind: str, payload: Any) -> None:
            loop.call_soon_threadsafe(events.put_nowait, (kind, payload))
        bias = {int(k): float(v) for k, v in (body.get("logit_bias") or {}).items()}
        job = Job(ids, max(1, int(body.get("max_tokens") or 16)), temperature, tenant, emit, bias,
                  body.get("logprobs") not in (None, False, 0) or bool(body.get("top_logprobs")))
        engine.submit(job)
        return events

    def tenant_of(request: Request, body: Dict[str, Any]) -> str:
        return str(request.headers.get("x-neuronguard-tenant") or body.get("user") or default_tenant)

    async def collect(events: "asyncio.Queue[Event]") -> Tuple[str, Dict[str, Any]]:
        text = ""
        while True:
            kind, payload = await events.get()
            if kind == "token":
                text += payload
            elif kind == "done":
                return text, payload
            else:
                raise _Unavailable(str(payload))

    async def stream(events: "asyncio.Queue[Event]", rid: str, obj: str, chat: bool) -> AsyncIterator[str]:
        created = int(time.time())

        def chunk(choice: Dict[str, Any]) -> str:
            return "data: " + json.dumps({"id": rid, "object": obj, "created": created, "model": model_name,
                                          "choices": [choice]}) + "\n\n"
        if chat:
            yield chunk({"index": 0, "delta": {"role": "assistant"}, "finish_reason": None})
        while True:
            kind, payload = await events.get()
            if kind == "token":
                delta = {"delta": {"content": payload}} if chat else {"text": payload}
                yield chunk({"index": 0, **delta, "finish_reason": None})
            elif kind == "done":
                end: Dict[str, Any] = {"delta": {}} if chat else {"text": ""}
                yield chunk({"index": 0, **end, "finish_reason": payload["finish_reason"],
                             "neuronguard": payload["neuronguard"]})
                break
            else:
                yield "data: " + json.dumps({"error": {"message": payload, "type": "neuronguard_unavailable"}}) + "\n\n"
                break
        yield "data: [DONE]\n\n"

    async def first_event(events: "asyncio.Queue[Event]") -> "asyncio.Queue[Event]":
        """Waits for the first event so that a fail_closed refusal is an HTTP 503, then puts it back in front."""
        head = await events.get()
        if head[0] == "error":
            raise _Unavailable(str(head[1]))
        again: "asyncio.Queue[Event]" = asyncio.Queue()
        again.put_nowait(head)
        asyncio.get_running_loop().create_task(_pump(events, again))
        return again

    async def handle(request: Request, chat: bool) -> Any:
        body = await request.json()
        tenant = tenant_of(request, body)
        rid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        try:
            if chat:
                prompts = [chat_prompt(body.get("messages") or [])]
            else:
                p = body.get("prompt", "")
                prompts = p if isinstance(p, list) else [p]
            queues = [submit(str(p), body, tenant) for p in prompts]
            if body.get("stream"):
                if len(queues) != 1:
                    raise ValueError("stream=true takes one prompt")
                q = await first_event(queues[0])
                return StreamingResponse(stream(q, rid, "chat.completion.chunk" if chat else "text_completion", chat),
                                         media_type="text/event-stream")
            results = [await collect(q) for q in queues]
        except ValueError as e:
            return JSONResponse({"error": {"message": str(e), "type": "invalid_request_error"}}, status_code=400)
        except _Unavailable as e:
            return JSONResponse({"error": {"message": str(e), "type": "neuronguard_unavailable"}}, status_code=503)
        choices = []
        for i, (text, done) in enumerate(results):
            c: Dict[str, Any] = {"index": i, "finish_reason": done["finish_reason"], "neuronguard": done["neuronguard"]}
            if chat:
                c["message"] = {"role": "assistant", "content": text}
            else:
                c["text"] = text
                c["logprobs"] = {"tokens": done["tokens"], "token_logprobs": done["token_logprobs"]} \
                    if done["token_logprobs"] else None
            choices.append(c)
        used = sum(d["completion_tokens"] for _, d in results)
        return {"id": rid, "object": "chat.completion" if chat else "text_completion", "created": int(time.time()),
                "model": model_name, "choices": choices, "usage": {"completion_tokens": used}}

    @app.post("/v1/completions")
    async def completions(request: Request) -> Any:
        return await handle(request, chat=False)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        return await handle(request, chat=True)

    @app.get("/v1/models")
    async def models() -> Any:
        return {"object": "list", "data": [{"id": model_name, "object": "model", "owned_by": "neuronguard"}]}

    @app.get("/health")
    async def health() -> Any:
        c = engine.client
        return {"status": "ok", "guarded": c is not None, "daemon_connected": bool(c and c.connected),
                "slots": len(c.plan) if c is not None else 0, "backend": engine.loaded.backend,
                "batches": engine.batches}

    return app


class _Unavailable(Exception):
    pass


async def _pump(src: "asyncio.Queue[Event]", dst: "asyncio.Queue[Event]") -> None:
    while True:
        item = await src.get()
        dst.put_nowait(item)
        if item[0] != "token":
            return
