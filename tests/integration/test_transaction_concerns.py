"""Money transactions ask MongoDB for a majority-acknowledged commit and a snapshot read,
with retryable writes on; SecantusDB accepts both (the commit succeeds)."""

import dataclasses

from pymongo import AsyncMongoClient
from pymongo.monitoring import CommandListener, CommandStartedEvent

from checkout.stores import open_stores


class CommandRecorder(CommandListener):
    def __init__(self) -> None:
        self.commands: list[dict] = []

    def started(self, event: CommandStartedEvent) -> None:
        self.commands.append(dict(event.command))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


async def test_transactions_commit_with_majority_and_read_one_snapshot(settings):
    stores = await open_stores(settings)
    recorder = CommandRecorder()
    # The app's own Stores, with a client that records the commands it sends.
    watched = AsyncMongoClient(settings.mongo_uri, tz_aware=True, event_listeners=[recorder])
    observed = dataclasses.replace(stores, mongo=watched, db=watched[settings.mongo_db])
    try:
        assert stores.mongo.options.retry_writes is True

        async def work(session):
            await observed.db.concern_probe.insert_one({"_id": "probe"}, session=session)
            return await observed.db.concern_probe.find_one({"_id": "probe"}, session=session)

        assert await observed.in_transaction(work) == {"_id": "probe"}
        assert await stores.db.concern_probe.find_one({"_id": "probe"}) == {"_id": "probe"}
        [first] = [c for c in recorder.commands if c.get("startTransaction")]
        assert first["readConcern"] == {"level": "snapshot"}
        [commit] = [c for c in recorder.commands if "commitTransaction" in c]
        assert commit["writeConcern"]["w"] == "majority"
    finally:
        await watched.close()
        await stores.close()
