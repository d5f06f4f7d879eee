"""The hosted invoice page (issue 16): what it shows, Pay opens a checkout session, paying
marks the invoice paid in the payment's transaction (exactly once, never when void), and
the PDFs of the invoice and its receipt. Real stores, through HTTP."""

import asyncio
import io
from decimal import Decimal

import pypdf

from tests.integration.invoice_support import (
    INVOICES,
    act,
    create_invoice,
    csrf_token,
    finalized_invoice,
    open_session,
)
from tests.integration.money_out_support import PIN, balance, checkout_command
from tests.integration.test_security_headers import assert_strict_headers
from tests.mail_support import send_queued_mail, text_part
from tests.support import body, call, register


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


async def pay_session(client, session_id, shopper):
    """Pay through the API, as the checkout page's form does through the same service."""
    return await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session_id}",
        {"fromWalletCode": shopper["walletCode"], "totalAmount": shopper["total"], "pin": PIN},
    )


async def test_page_shows_the_invoice_with_the_checkout_pages_headers(client):
    merchant = await register(client, "Hillside School")
    invoice = await finalized_invoice(client, merchant, dueDate="2030-01-31", memo="Thank you!")
    page = await client.get(f"/invoice/{invoice['id']}")
    assert page.status_code == 200
    html = await page.get_data(as_text=True)
    for text in (
        "Hillside School",
        "INV-000001",
        "Autumn term fees",
        "Lab materials",
        "$4.35",
        "$13.05",
        "$133.05",  # subtotal
        "$0.27",  # service fee
        "Pay $133.32",
        "2030-01-31",
        "Sam Parent",
        "Thank you!",
    ):
        assert text in html, text
    assert page.headers["Cache-Control"] == "no-store"
    assert_strict_headers(page)
    french = await (await client.get(f"/invoice/{invoice['id']}?lang=fr")).get_data(as_text=True)
    assert "Facture" in french and "Sous-total" in french and "133,32" in french
    arabic = await (await client.get(f"/invoice/{invoice['id']}?lang=ar")).get_data(as_text=True)
    assert 'dir="rtl"' in arabic and "المجموع الفرعي" in arabic

    # A draft is not shown yet; an unknown id is a 404 page.
    draft = await create_invoice(client, merchant)
    assert (await client.get(f"/invoice/{draft['id']}")).status_code == 404
    assert (await client.get("/invoice/inv_nope")).status_code == 404
    assert (await client.get(f"/invoice/{draft['id']}.pdf")).status_code == 404


async def test_paying_marks_the_invoice_paid_in_the_same_transaction(client, app, store_env):
    merchant = await register(client, "Stall Rentals")
    shopper = await register(client, "Shopper", pin=PIN)
    invoice = await finalized_invoice(client, merchant)
    before = await balance(client, merchant)
    session_id = await open_session(client, invoice)
    checkout = await client.get(f"/checkout/{session_id}")
    checkout_html = await checkout.get_data(as_text=True)
    assert "Invoice INV-000001" in checkout_html and "$133.32" in checkout_html
    paid = await pay_session(client, session_id, {**shopper, "total": invoice["total"]})
    assert paid.status_code == 200, await paid.get_data()
    read = await body(
        await call(client, "GET", f"{INVOICES}/{invoice['id']}", headers=merchant["headers"])
    )
    assert read["status"] == "paid" and read["paidAt"]
    assert read["transactionTraceId"] == session_id
    assert read["receiptPdfUrl"] == f"http://checkout.test/invoice/{invoice['id']}/receipt.pdf"
    assert await balance(client, merchant) == before + Decimal("133.05")
    db = app.app.extensions["checkout"].db
    types = [e["type"] async for e in db.events.find({"subject": invoice["id"]})]
    assert sorted(types) == ["invoice.finalized", "invoice.paid"]
    page = await (await client.get(f"/invoice/{invoice['id']}")).get_data(as_text=True)
    assert "This invoice is paid" in page and "Pay $" not in page
    assert "receipt.pdf" in page
    # Paid: no more transitions, and Pay is refused.
    assert (await act(client, merchant, invoice, "void")).status_code == 409
    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err


async def test_ten_concurrent_payments_of_one_invoice_take_exactly_one(client, app, store_env):
    """Ten shoppers each open a session of one invoice and pay at the same moment: one
    payment goes through, nine are refused with invalid_invoice_state and move nothing."""
    merchant = await register(client, "Corner Catering")
    shoppers = [await register(client, f"Shopper {n}", pin=PIN) for n in range(10)]
    invoice = await finalized_invoice(client, merchant)
    sessions = [await open_session(client, invoice) for _ in shoppers]
    before = await balance(client, merchant)
    answers = await asyncio.gather(
        *(
            pay_session(client, session_id, {**shopper, "total": invoice["total"]})
            for session_id, shopper in zip(sessions, shoppers, strict=True)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * 9, statuses
    codes = {(await body(a))["error"]["code"] for a in answers if a.status_code == 409}
    assert codes == {"invalid_invoice_state"}
    assert await balance(client, merchant) == before + Decimal("133.05")
    spent = [await balance(client, shopper) for shopper in shoppers]
    assert sorted(spent) == [Decimal("866.68")] + [Decimal("1000.00")] * 9
    db = app.app.extensions["checkout"].db
    assert await db.events.count_documents({"subject": invoice["id"], "type": "invoice.paid"}) == 1
    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err


async def test_a_void_invoice_cannot_be_paid(client, app):
    merchant = await register(client, "Harbour Books")
    shopper = await register(client, "Shopper", pin=PIN)
    invoice = await finalized_invoice(client, merchant)
    session_id = await open_session(client, invoice)  # opened before the void
    page = await client.get(f"/invoice/{invoice['id']}")
    token = csrf_token(await page.get_data(as_text=True))
    assert (await act(client, merchant, invoice, "void")).status_code == 200

    refused = await pay_session(client, session_id, {**shopper, "total": invoice["total"]})
    assert refused.status_code == 409
    assert (await body(refused))["error"]["code"] == "invalid_invoice_state"
    assert await balance(client, shopper) == Decimal("1000.00")
    # The checkout page says so, and the invoice page offers no Pay any more.
    form = await client.get(f"/checkout/{session_id}")
    form_token = csrf_token(await form.get_data(as_text=True))
    posted = await client.post(
        f"/checkout/{session_id}",
        form={"csrf_token": form_token, "wallet_code": shopper["walletCode"], "pin": PIN},
    )
    assert posted.status_code == 409
    assert "This invoice can no longer be paid." in await posted.get_data(as_text=True)
    again = await client.post(f"/invoice/{invoice['id']}", form={"csrf_token": token})
    assert again.status_code == 409
    html = await again.get_data(as_text=True)
    assert "voided by Harbour Books" in html and 'class="pay-button"' not in html
    assert await balance(client, shopper) == Decimal("1000.00")


async def test_invoice_and_receipt_pdfs_carry_the_number_lines_and_totals(client):
    merchant = await register(client, "Hillside School")
    shopper = await register(client, "Shopper", pin=PIN)
    invoice = await finalized_invoice(client, merchant, dueDate="2030-01-31")
    response = await client.get(f"/invoice/{invoice['id']}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert "INV-000001.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(await response.get_data())
    for expected in (
        "Invoice INV-000001",
        "Hillside School",
        "Autumn term fees",
        "Lab materials",
        "$120.00",
        "$13.05",
        "Subtotal",
        "$133.05",
        "$0.27",
        "$133.32",
        "2030-01-31",
    ):
        assert expected in text, (expected, text)
    # No receipt before the payment.
    assert (await client.get(f"/invoice/{invoice['id']}/receipt.pdf")).status_code == 404

    session_id = await open_session(client, invoice)
    paid = await pay_session(client, session_id, {**shopper, "total": invoice["total"]})
    assert paid.status_code == 200
    receipt = await client.get(f"/invoice/{invoice['id']}/receipt.pdf")
    assert receipt.status_code == 200
    receipt_text = pdf_text(await receipt.get_data())
    for expected in ("Receipt", "INV-000001", "Amount paid", "$133.32", session_id):
        assert expected in receipt_text, (expected, receipt_text)
    assert shopper["walletCode"][:5] in receipt_text  # masked payer wallet

    arabic = pdf_text(await (await client.get(f"/invoice/{invoice['id']}.pdf?lang=ar")).get_data())
    assert "INV-000001" in arabic and "الفاتورة" in arabic

    # The ordinary checkout receipt page has a PDF too.
    checkout_receipt = await client.get(f"/checkout/{session_id}/receipt.pdf")
    assert checkout_receipt.status_code == 200
    checkout_text = pdf_text(await checkout_receipt.get_data())
    assert "Receipt" in checkout_text and "$133.32" in checkout_text and session_id in checkout_text
    page = await (await client.get(f"/checkout/{session_id}")).get_data(as_text=True)
    assert f"/checkout/{session_id}/receipt.pdf" in page


async def test_send_emails_the_link_and_the_pdf_to_a_real_smtp_server(client, app, mail_catcher):
    merchant = await register(client, "Hillside School")
    address = f"parent-{merchant['userCode']}@example.com"
    draft = await create_invoice(client, merchant, customerEmail=address)
    assert (await act(client, merchant, draft, "send")).status_code == 409  # not finalized
    invoice = await finalized_invoice(client, merchant, customerEmail=address)
    headers = {**merchant["headers"], "Idempotency-Key": f"send-{invoice['id']}"}
    url = f"{INVOICES}/{invoice['id']}/send"
    sent = await call(client, "POST", url, {"locale": "fr"}, headers)
    assert sent.status_code == 200, await sent.get_data()
    assert (await body(sent))["sentAt"]
    replay = await call(client, "POST", url, {"locale": "fr"}, headers)
    assert replay.headers["Idempotent-Replayed"] == "true"  # queued once, not twice
    bad = await call(client, "POST", url, {"locale": "de"}, merchant["headers"])
    assert bad.status_code == 400 and (await body(bad))["error"]["field"] == "locale"

    # Sign-up mails a verification link too: the customer's address gets exactly one mail.
    assert await send_queued_mail(app, mail_catcher) >= 1
    (message,) = await mail_catcher.wait_for(address)
    assert str(message["Subject"]) == f"Facture {invoice['number']} de Hillside School"
    assert invoice["hostedUrl"] in text_part(message)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{invoice['number']}.pdf"
    text = pdf_text(attachment.get_content())
    assert "Facture INV-000001" in text and "Autumn term fees" in text and "133,32" in text
    # Once sent, the outbox forgets the attachment; a void invoice is not sent again.
    db = app.app.extensions["checkout"].db
    assert await db.mail_outbox.count_documents({"to": address, "attachments": {"$exists": 1}}) == 0
    assert (await act(client, merchant, invoice, "void")).status_code == 200
    assert (await act(client, merchant, invoice, "send")).status_code == 409
