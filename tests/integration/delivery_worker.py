"""The delivery worker that test_delivery_kill.py starts and SIGKILLs: it tells every step not yet told, fans the
messages out to the units' contacts and hands every SMS copy to the gateway the settings name, each in small
transactions (so that a kill finds many boundaries), at the rate the settings allow, until no SMS copy is due;
settings from the environment, as the worker process reads them. Prints "started" once its store is open, "done"
at the end."""

from __future__ import annotations

from wengang import bootstrap
from wengang.services import delivery, tell

CHUNK, BATCH = 100, 20


def main() -> None:
    settings = bootstrap.settings()
    store = bootstrap.store(settings)
    sms = {"sms": bootstrap.senders(settings)["sms"]}
    print("started", flush=True)
    analytics = bootstrap.analytics(settings)
    tell.tell(store=store, settings=settings, chunk=CHUNK, analytics=analytics)     # fanned out as told, as the
    delivery.fan_out(store=store, analytics=analytics, chunk=CHUNK)                 # worker does; then any left
    while True:
        done = delivery.send_due(store=store, senders=sms, batch=BATCH, budget=600.0,
                                 rate={"sms": settings.sms_rate} if settings.sms_rate else None)
        if done.held:
            raise SystemExit("quiet hours: the test's clock is wrong")
        if not (done.handed or done.retried or done.failed):
            break
    print("done", flush=True)


if __name__ == "__main__":
    main()
