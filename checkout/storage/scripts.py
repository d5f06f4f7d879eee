"""Lua scripts, loaded once per Redis client and then run by SHA (EVALSHA) instead of
sending their source with EVAL on every request. redis-py's Script loads a script again
when a server answers NOSCRIPT (restarted, failed over, a Cluster node added).

On a Redis Cluster every key a script touches must hash to one slot: the storage
modules give such keys a common hash tag, e.g. checkout:{wallet-code}:pin-failures."""

from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary


class LuaScript:
    def __init__(self, source: str) -> None:
        self.source = source
        # One registered script per client (the app has one per event loop; tests more).
        self._registered: WeakKeyDictionary[Any, Any] = WeakKeyDictionary()

    async def run(self, redis, keys: Sequence[str], args: Sequence[Any]) -> Any:
        script = self._registered.get(redis)
        if script is None:
            script = self._registered[redis] = redis.register_script(self.source)
        return await script(keys=list(keys), args=list(args))
