"""A teacher behind any OpenAI-compatible HTTP server (OpenAI, vLLM, Ollama, TGI, llama.cpp).

Requests with ``messages`` go to ``/chat/completions``; plain prompts go to ``/completions``
(or, with ``api="chat"``, are sent as one user message). A *prefilled* request (messages ending in an
assistant turn) is sent as it is: llama.cpp's server and vLLM (with ``continue_final_message``)
continue that turn, OpenAI's API opens a new one instead. The returned text starts with the prefill
either way: it is prepended unless the reply already starts with it. Requests run concurrently on one
asyncio loop, at most ``concurrency`` at a time. Transient failures are retried with exponential
backoff and full jitter: HTTP 408, 409, 425, 429 and 5xx, timeouts, dropped connections, and
bodies that are truncated or not the JSON the API promises. ``Retry-After`` (seconds or an HTTP
date) is honoured when the server sends it. Other 4xx answers (a bad key, an unknown model) fail at
once with the server's message, since retrying cannot fix them.

The API key is read from the environment (``OPENAI_API_KEY`` unless ``api_key_env`` says
otherwise) and only ever placed in the Authorization header: never in the signature, the cache,
manifests or log lines.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import threading
import time
from collections.abc import Sequence
from typing import Any

from synthlib.teachers.base import Generation, Request, ResultCallback, Teacher, TeacherSignature, prefill_of

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class TeacherHTTPError(RuntimeError):
    """The server refused a request in a way retrying cannot fix, or retries ran out."""


class _Transient(Exception):
    """A failure worth retrying; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class OpenAITeacher(Teacher):
    """Generate through an OpenAI-compatible endpoint.

    ``model`` and ``base_url`` name the endpoint (``base_url`` ends in ``/v1``). ``revision``
    defaults to the base URL and enters the signature: give two endpoints serving identical
    weights the same revision to share a cache. Runtime settings (``concurrency``, ``timeout``,
    retry policy) never change a cache key.
    """

    def __init__(self, model: str, base_url: str, api: str = "auto", api_key_env: str = "OPENAI_API_KEY",
                 revision: str | None = None, concurrency: int = 16, timeout: float = 60.0,
                 max_retries: int = 10, backoff_base: float = 0.5, backoff_max: float = 30.0,
                 max_retry_after: float = 120.0, send_seed: bool = True):
        if api not in ("auto", "chat", "completions"):
            raise ValueError(f"api must be auto, chat or completions, got '{api}'")
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api = api
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.send_seed = send_seed
        self._api_key_env = api_key_env
        self._signature = TeacherSignature(backend="openai", model=model, revision=revision or self.base_url)
        self.retries = 0  # transient failures retried, over the teacher's lifetime
        self.failure_reasons: dict[str, int] = {}

    @property
    def signature(self) -> TeacherSignature:
        """Backend ``openai``, the served model name, and the revision (the base URL by default)."""
        return self._signature

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self._api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    # -- request building and answer parsing -------------------------------------------------
    def _route(self, request: Request) -> tuple[str, dict[str, Any]]:
        sampling = request.sampling
        body: dict[str, Any] = {"model": self.model, "max_tokens": sampling.max_new_tokens,
                                "temperature": sampling.temperature, "top_p": sampling.top_p}
        if sampling.top_k:
            body["top_k"] = sampling.top_k  # vLLM/TGI extension; OpenAI ignores unknown sampling keys
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if self.send_seed:
            body["seed"] = request.effective_seed() % 2**31  # 32-bit: what every server accepts
        chat = request.messages is not None or self.api == "chat"
        if chat:
            body["messages"] = list(request.messages or ({"role": "user", "content": request.prompt},))
            if sampling.logprobs:
                body["logprobs"] = True
            return "/chat/completions", body
        body["prompt"] = request.prompt
        if sampling.logprobs:
            body["logprobs"] = 1
        return "/completions", body

    @staticmethod
    def _parse(payload: Any) -> Generation:
        try:
            choice = payload["choices"][0]
            text = choice["message"]["content"] if "message" in choice else choice["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
            usage = payload.get("usage") or {}
            logprobs = _logprobs(choice.get("logprobs"))
            return Generation(text=text, prompt_tokens=int(usage.get("prompt_tokens") or 0),
                              completion_tokens=int(usage.get("completion_tokens") or 0),
                              finish_reason=choice.get("finish_reason") or "stop", logprobs=logprobs)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
            raise _Transient(f"malformed answer ({type(err).__name__})") from None

    # -- the async machinery -----------------------------------------------------------------
    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        return _run_sync(self._generate_async(list(requests), on_result))

    async def _generate_async(self, requests: list[Request], on_result: ResultCallback | None) -> list[Generation]:
        import httpx

        results: list[Generation | None] = [None] * len(requests)
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, limits=limits,
                                     headers=self._headers()) as client:
            async def one(i: int) -> None:
                async with gate:
                    results[i] = _with_prefill(requests[i], await self._with_retries(client, requests[i]))
                if on_result:
                    on_result(i, results[i])

            tasks = [asyncio.create_task(one(i)) for i in range(len(requests))]
            try:
                await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    task.cancel()
        return results  # type: ignore[return-value]

    async def _with_retries(self, client, request: Request) -> Generation:
        path, body = self._route(request)
        for attempt in range(self.max_retries + 1):
            try:
                return await self._post(client, path, body)
            except _Transient as err:
                reason = str(err)
                self.retries += 1
                self.failure_reasons[reason] = self.failure_reasons.get(reason, 0) + 1
                if attempt == self.max_retries:
                    raise TeacherHTTPError(f"{self.base_url}{path}: gave up after {attempt + 1} attempts, last "
                                           f"failure: {reason}; check the server or raise max_retries") from None
                await asyncio.sleep(self._delay(attempt, err.retry_after))
        raise AssertionError("unreachable")

    async def _post(self, client, path: str, body: dict[str, Any]) -> Generation:
        import httpx

        try:
            response = await client.post(path, json=body)
        except httpx.TimeoutException:
            raise _Transient("timeout") from None
        except httpx.TransportError as err:  # refused, reset, dropped mid-body, protocol errors
            raise _Transient(f"connection: {type(err).__name__}") from None
        if response.status_code in RETRY_STATUS:
            raise _Transient(f"HTTP {response.status_code}", _retry_after(response.headers.get("retry-after")))
        if response.status_code >= 400:
            raise TeacherHTTPError(f"{self.base_url}{path} answered HTTP {response.status_code}: "
                                   f"{response.text[:300]}; check the model name, the URL and the "
                                   f"{self._api_key_env} environment variable")
        try:
            payload = json.loads(response.content)
        except ValueError:
            raise _Transient("malformed JSON body") from None
        return self._parse(payload)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential backoff, never shorter than the server's Retry-After."""
        backoff = random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** attempt))
        if retry_after is not None:
            return max(min(retry_after, self.max_retry_after), backoff)
        return backoff


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _logprobs(value: Any) -> list[float] | None:
    if not value:
        return None
    if isinstance(value, dict) and "content" in value:  # chat: {"content": [{"token", "logprob"}, ...]}
        return [float(item["logprob"]) for item in value["content"] or []]
    if isinstance(value, dict) and "token_logprobs" in value:  # completions
        return [float(x) for x in value["token_logprobs"] if x is not None]
    return None


def _run_sync(coroutine):
    """Run a coroutine to completion, also from inside a running loop (Jupyter) via a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as err:  # re-raised in the caller's thread
            box["error"] = err

    thread = threading.Thread(target=target, name="synthlib-openai")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _with_prefill(request: Request, generation: Generation) -> Generation:
    """The whole assistant turn: a server that continued the prefill returns only the continuation."""
    prefill = prefill_of(request)
    if prefill and not generation.text.lstrip().startswith(prefill.strip()):
        generation.text = prefill + generation.text
    return generation
