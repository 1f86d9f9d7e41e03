"""asyncio API for async model servers (FastAPI, aiohttp …): nothing here blocks the event loop.

    async with neuronguard.aio.AsyncClient(neuronguard.Client(addr, fp)) as client:
        async with client.request(tenant="acme") as req:     # a neuronguard.Request
            ... run the model (in a worker thread) with guard.bind([req]) ...
        print(req.final_verdict)                            # awaited at the block's exit, bounded

Start-up (waiting for Welcome) runs in a worker thread; waiting for a request's final verdict resolves an asyncio
future from the client's callback thread. Frames are sent by the thread that runs the model, as in the sync API.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

from .client import Client
from .request import Request, VerdictCallback
from .v1.common_pb2 import Verdict


class AsyncClient:
    """Wraps a :class:`Client` (same settings, same thread-safety) for ``async`` code."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def start(self) -> "AsyncClient":
        await asyncio.get_running_loop().run_in_executor(None, self.client.start)
        return self

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.client.close)

    async def __aenter__(self) -> "AsyncClient":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def request(self, request_id: Optional[str] = None, tenant: str = "", labels: Optional[Dict[str, str]] = None,
                on_verdict: Optional[VerdictCallback] = None) -> "AsyncRequest":
        """Starts a request now (RequestStart is queued, not awaited); ``async with`` ends it at exit."""
        return AsyncRequest(self.client.start_request(request_id, tenant, labels, on_verdict))


async def final_verdict(req: Request, timeout: Optional[float] = None) -> Optional[Verdict]:
    """Awaits the request's final verdict (None when unmonitored, or after ``timeout``, default verdict_timeout)."""
    loop = asyncio.get_running_loop()
    fut: "asyncio.Future[Optional[Verdict]]" = loop.create_future()

    def done(v: Optional[Verdict]) -> None:
        loop.call_soon_threadsafe(lambda: None if fut.done() else fut.set_result(v))

    req.on_final(done)
    try:
        return await asyncio.wait_for(fut, req.client.verdict_timeout if timeout is None else timeout)
    except asyncio.TimeoutError:
        return req.final_verdict


class AsyncRequest:
    """An ``async with`` block around one :class:`Request`."""

    def __init__(self, request: Request) -> None:
        self.request = request

    async def __aenter__(self) -> Request:
        return self.request

    async def __aexit__(self, exc_type: Any, *exc: object) -> None:
        await self.end(wait=exc_type is None)

    async def end(self, wait: bool = True, timeout: Optional[float] = None) -> Optional[Verdict]:
        """RequestEnd (queued), then awaits the final verdict without blocking the loop."""
        self.request.end(wait=False)
        if not wait:
            return self.request.final_verdict
        return await final_verdict(self.request, timeout)
