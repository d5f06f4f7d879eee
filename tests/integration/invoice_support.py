"""Helpers for the invoice tests: act as the merchant (API) and the customer (pages)."""

import re
from decimal import Decimal

from tests.support import body, call

INVOICES = "/api/v1/invoices"
LINES = [
    {"description": "Autumn term fees", "quantity": 1, "unitAmount": Decimal("120.00")},
    {"description": "Lab materials", "quantity": 3, "unitAmount": Decimal("4.35")},
]


async def create_invoice(client, merchant, **extra) -> dict:
    payload = {
        "walletCode": merchant["walletCode"],
        "customerEmail": "parent@example.com",
        "customerName": "Sam Parent",
        "lineItems": LINES,
        **extra,
    }
    response = await call(client, "POST", INVOICES, payload, merchant["headers"])
    assert response.status_code == 201, await response.get_data()
    return await body(response)


async def act(client, merchant, invoice, action: str):
    return await call(
        client, "POST", f"{INVOICES}/{invoice['id']}/{action}", headers=merchant["headers"]
    )


async def finalized_invoice(client, merchant, **extra) -> dict:
    invoice = await create_invoice(client, merchant, **extra)
    response = await act(client, merchant, invoice, "finalize")
    assert response.status_code == 200, await response.get_data()
    return await body(response)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


async def open_session(client, invoice) -> str:
    """Press Pay on the hosted page: a 303 to a new checkout session; its id."""
    page = await client.get(f"/invoice/{invoice['id']}")
    assert page.status_code == 200, await page.get_data()
    token = csrf_token(await page.get_data(as_text=True))
    response = await client.post(f"/invoice/{invoice['id']}", form={"csrf_token": token})
    assert response.status_code == 303, await response.get_data()
    location = response.headers["Location"]
    assert location.startswith("/checkout/cs_"), location
    return location.rsplit("/", 1)[1].split("?")[0]
