"""The dashboard's Invoices pages (issue 16): create with line items through the form
(no JavaScript: "Add a line" posts back), the status filter, finalize, send, void."""

import re

from tests.integration.test_dashboard import new_ip, sign_in, submit, text
from tests.mail_support import send_queued_mail
from tests.support import register

NEW = "/dashboard/invoices/new"


def invoice_id(location: str) -> str:
    match = re.fullmatch(r"/dashboard/invoices/(inv_[a-z0-9]+)", location)
    assert match is not None, location
    return match.group(1)


async def test_create_finalize_send_and_void_from_the_dashboard(app, client, mail_catcher):
    merchant = await register(client, "Pitch Rentals")
    ip = new_ip()
    await sign_in(client, merchant, ip)
    lines = {
        "lines-0-description": "Stall pitch, March",
        "lines-0-quantity": "4",
        "lines-0-unit_amount": "12.50",
    }
    base = {
        "customer_email": f"stall-{merchant['userCode']}@example.com",
        "customer_name": "Ana Stallholder",
        "wallet": merchant["walletCode"],
        "due_date": "2030-03-31",
        "memo": "",
    }
    # "Add a line" posts the form back with a fourth row and saves nothing.
    more = await submit(client, NEW, {**base, **lines, "add_line": "1"}, ip)
    assert more.status_code == 200
    page = await text(more)
    assert 'name="lines-3-description"' in page and "Stall pitch, March" in page

    bad = await submit(
        client,
        NEW,
        {**base, **lines, "lines-1-description": "Power", "lines-1-quantity": "0"},
        ip,
    )
    assert bad.status_code == 400
    assert "Enter a whole number from 1 to 100,000." in await text(bad)
    none = await submit(client, NEW, base, ip)
    assert none.status_code == 400 and "Add at least one line" in await text(none)

    created = await submit(
        client,
        NEW,
        {
            **base,
            **lines,
            "lines-1-description": "Power hook-up",
            "lines-1-quantity": "1",
            "lines-1-unit_amount": "7.05",
            "then": "finalize",
        },
        ip,
    )
    assert created.status_code == 303, await text(created)
    url = created.headers["Location"]
    detail = await text(await client.get(url, scope_base={"client": ip}))
    assert "Invoice INV-000001" in detail and "57.05 USD" in detail  # 4 x 12.50 + 7.05
    assert f"/invoice/{invoice_id(url)}.pdf" in detail

    sent = await submit(client, url + "/send", {}, ip, token_from=url)
    assert sent.status_code == 303
    # Sign-up mails a verification link too: the customer's address gets exactly one mail.
    assert await send_queued_mail(app, mail_catcher) >= 1
    (message,) = await mail_catcher.wait_for(base["customer_email"])
    assert [a.get_filename() for a in message.iter_attachments()] == ["INV-000001.pdf"]

    voided = await submit(client, url + "/void", {}, ip, token_from=url)
    assert voided.status_code == 303
    again = await submit(client, url + "/void", {}, ip, token_from=url)
    assert again.status_code == 409 and "void invoice cannot be voided" in await text(again)

    # A draft, then the list and its status filter.
    draft = await submit(client, NEW, {**base, **lines, "then": "draft"}, ip)
    assert draft.status_code == 303
    listed = await text(await client.get("/dashboard/invoices", scope_base={"client": ip}))
    assert "INV-000001" in listed and invoice_id(draft.headers["Location"]) in listed
    only_void = await text(
        await client.get("/dashboard/invoices?status=void", scope_base={"client": ip})
    )
    assert "INV-000001" in only_void and invoice_id(draft.headers["Location"]) not in only_void
