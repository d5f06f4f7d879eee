"""Security headers for every response."""
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
        if settings.secure_cookies:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
            )
        if request.path.startswith(("/checkout/", "/api/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
