"""Security headers for every response.

The CSP allows scripts and styles only from our own static/ (no inline code, no third-party
origin) and no framing, so the PIN form cannot be clickjacked. Referrer-Policy keeps the
session id in checkout URLs from leaking to other sites; no-store keeps session pages out of
shared and back-button caches. HSTS is sent only when the public URL is https.
"""

from quart import g, request


def register_security_headers(app, settings) -> None:
    @app.after_request
    async def add_headers(response):
        # form-action also governs where a submitted form may be redirected, so a
        # checkout page adds the merchant's success origin (g.form_action_origins).
        form_action = " ".join(["'self'", *getattr(g, "form_action_origins", [])])
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; "
            "base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        if settings.secure_cookies:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
            )
        if request.path.startswith(("/checkout/", "/api/", "/dashboard", "/admin")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
