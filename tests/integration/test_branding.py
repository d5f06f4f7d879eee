"""A merchant's branding over HTTP on the real stores: the API's profile fields and logo
upload, the dashboard's branding form, and the shopper's pages that show them."""

import html
import io
import re

from PIL import Image

from tests import images
from tests.integration.test_dashboard import CSRF, new_ip, sign_in, text
from tests.support import body, call, create_session, register

GOOD = {
    "displayName": "Acme Roasters",
    "supportEmail": "Help@Acme.test",
    "supportUrl": "https://help.acme.test/payments",
    "brandColor": "#5B2A86",
}


async def put_profile(client, merchant, payload):
    return await call(client, "PUT", "/api/v1/org/profile", payload, merchant["headers"])


async def upload(client, merchant, data: bytes, content_type="image/png"):
    return await client.put(
        "/api/v1/org/logo",
        data=data,
        headers={**merchant["headers"], "Content-Type": content_type},
    )


async def test_branding_fields_are_kept_checked_and_cleared(client):
    merchant = await register(client)
    saved = await put_profile(client, merchant, GOOD)
    assert saved.status_code == 200, await saved.get_data()
    profile = await body(saved)
    assert (profile["displayName"], profile["supportEmail"], profile["brandColor"]) == (
        "Acme Roasters",
        "help@acme.test",
        "#5b2a86",
    )
    assert profile["supportUrl"] == GOOD["supportUrl"] and profile["logoUrl"] is None
    assert profile["kind"] == "merchant"

    cleared = await body(await put_profile(client, merchant, {"supportEmail": None}))
    assert cleared["supportEmail"] is None and cleared["displayName"] == "Acme Roasters"
    read = await body(await call(client, "GET", "/api/v1/org/profile", None, merchant["headers"]))
    assert read == cleared


async def test_a_colour_without_aa_contrast_is_refused_with_nothing_saved(client):
    merchant = await register(client)
    refused = await put_profile(client, merchant, {"displayName": "Sunny", "brandColor": "#ffcc00"})
    assert refused.status_code == 400
    error = (await body(refused))["error"]
    assert error["code"] == "invalid_request" and error["field"] == "brandColor"
    assert "4.5:1" in error["message"] and "darker" in error["message"]
    profile = await body(
        await call(client, "GET", "/api/v1/org/profile", None, merchant["headers"])
    )
    assert profile["displayName"] is None  # nothing half-saved

    for field, value in (("supportUrl", "http://help.acme.test"), ("supportEmail", "nope")):
        refused = await put_profile(client, merchant, {field: value})
        assert refused.status_code == 400
        assert (await body(refused))["error"]["field"] == field


async def test_a_logo_is_re_encoded_and_served_from_our_origin_with_a_long_cache(client):
    merchant = await register(client)
    original = images.png((600, 240), text_chunk="secret note")
    answer = await upload(client, merchant, original)
    assert answer.status_code == 200, await answer.get_data()
    logo_url = (await body(answer))["logoUrl"]
    assert re.fullmatch(r"http://checkout\.test/brand/logos/[0-9a-f]{64}\.png", logo_url)

    served = await client.get(logo_url.removeprefix("http://checkout.test"))
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    data = await served.get_data()
    assert data != original and b"secret note" not in data
    assert Image.open(io.BytesIO(data)).size == (256, 102)

    jpeg = await upload(client, merchant, images.jpeg_with_exif(), "image/jpeg")
    jpeg_url = (await body(jpeg))["logoUrl"]
    assert jpeg_url.endswith(".jpg")
    served = await client.get(jpeg_url.removeprefix("http://checkout.test"))
    assert served.headers["Content-Type"] == "image/jpeg"
    assert b"SecretCam" not in await served.get_data()

    removed = await client.delete("/api/v1/org/logo", headers=merchant["headers"])
    assert (await body(removed))["logoUrl"] is None
    assert (await client.get("/brand/logos/" + "0" * 64 + ".png")).status_code == 404
    assert (await client.get("/brand/logos/whatever.svg")).status_code == 404


async def test_non_images_large_files_and_bombs_are_refused(client):
    merchant = await register(client)
    for data, status, words in (
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 400, "PNG or JPEG"),
        (images.noisy_png(), 400, "512 KB"),
        (images.decompression_bomb(), 400, "2048x2048"),
        (b"\x89PNG" + b"\x00" * 700 * 1024, 413, ""),  # over the upload route's body cap
    ):
        refused = await upload(client, merchant, data)
        assert refused.status_code == status, (status, await refused.get_data())
        assert words in (await body(refused))["error"]["message"]
    profile = await body(
        await call(client, "GET", "/api/v1/org/profile", None, merchant["headers"])
    )
    assert profile["logoUrl"] is None
    # Every other route keeps the small body cap.
    big = await call(
        client,
        "PUT",
        "/api/v1/org/profile",
        raw=b"{" + b" " * 70 * 1024 + b"}",
        headers=merchant["headers"],
    )
    assert big.status_code == 413


async def test_the_checkout_page_link_page_and_receipt_show_the_branding(client):
    merchant = await register(client)
    await put_profile(client, merchant, GOOD)
    logo_url = (await body(await upload(client, merchant, images.png())))["logoUrl"]
    logo_path = logo_url.removeprefix("http://checkout.test")
    session = await create_session(client, merchant)
    page = await client.get(f"/checkout/{session['transactionTraceId']}")
    content = await text(page)
    assert "<bdi>Acme Roasters</bdi>" in content and "Acme Coffee" not in content
    assert f'src="{logo_path}"' in content
    assert 'href="/brand/colour/5b2a86.css"' in content
    assert 'href="mailto:help@acme.test"' in content
    assert 'href="https://help.acme.test/payments" rel="noopener noreferrer"' in content
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert " style=" not in content  # the CSP forbids inline styles: none are needed

    theme = await client.get("/brand/colour/5b2a86.css")
    assert theme.status_code == 200 and theme.headers["Content-Type"].startswith("text/css")
    assert "--accent:#5b2a86" in await text(theme)
    assert theme.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for refused in ("ffcc00", "5B2A86", "5b2a8", "5b2a86;}body{x"):
        assert (await client.get(f"/brand/colour/{refused}.css")).status_code == 404

    link = await call(
        client,
        "POST",
        "/api/v1/payment-links",
        {"walletCode": merchant["walletCode"], "description": "Beans", "amount": 5},
        merchant["headers"],
    )
    landing = await text(await client.get(f"/pay/{(await body(link))['code']}"))
    assert "Acme Roasters" in landing and logo_path in landing and "5b2a86.css" in landing

    shopper = await register(client, "Shopper", pin="135790")
    paid = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": "135790",
        },
    )
    assert paid.status_code == 200, await paid.get_data()
    receipt = await text(await client.get(f"/checkout/{session['transactionTraceId']}"))
    assert "Payment complete" in receipt and "Acme Roasters" in receipt and logo_path in receipt


async def test_the_dashboard_branding_form(client):
    merchant = await register(client)
    ip = new_ip()
    await sign_in(client, merchant, ip)
    page = await client.get("/dashboard/profile", scope_base={"client": ip})
    token = CSRF.search(await text(page)).group(1)

    async def post(form, files=None):
        return await client.post(
            "/dashboard/profile/branding",
            form={"csrf_token": token, **form},
            files=files or {},
            scope_base={"client": ip},
        )

    from werkzeug.datastructures import FileStorage

    refused = await post({"display_name": "Sunny", "brand_color": "#ffcc00"})
    assert refused.status_code == 400
    content = html.unescape(await text(refused))
    assert "The brand colour #ffcc00 is too light" in content and 'aria-invalid="true"' in content
    profile = await body(
        await call(client, "GET", "/api/v1/org/profile", None, merchant["headers"])
    )
    assert profile["displayName"] is None

    bad_logo = await post(
        {"display_name": "Sunny"},
        {"logo": FileStorage(io.BytesIO(b"not an image"), "logo.png", content_type="image/png")},
    )
    assert bad_logo.status_code == 400
    assert "logo must be a PNG or JPEG image" in await text(bad_logo)
    profile = await body(
        await call(client, "GET", "/api/v1/org/profile", None, merchant["headers"])
    )
    assert profile["displayName"] is None  # the refused file saved nothing else either

    saved = await post(
        {
            "display_name": "Acme Roasters",
            "brand_color": "#0A58CA",
            "support_email": "help@acme.test",
            "support_url": "",
        },
        {"logo": FileStorage(io.BytesIO(images.png()), "logo.png", content_type="image/png")},
    )
    assert saved.status_code == 303, await text(saved)
    profile = await body(
        await call(client, "GET", "/api/v1/org/profile", None, merchant["headers"])
    )
    assert (profile["displayName"], profile["brandColor"]) == ("Acme Roasters", "#0a58ca")
    assert profile["logoUrl"] and profile["supportUrl"] is None
    page = await text(await client.get("/dashboard/profile", scope_base={"client": ip}))
    assert 'value="Acme Roasters"' in page and "Remove the logo" in page
