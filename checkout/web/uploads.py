"""Request bodies are capped at MAX_CONTENT_LENGTH (64 KB) for the whole app; a logo upload
needs more. Quart fixes a body's cap when it creates the request, before any handler runs,
so the few upload routes get theirs here, by path, and every other route keeps the small one.
"""

from quart import Request

from ..logos import MAX_BYTES

# The file plus the form's other fields and multipart framing.
UPLOAD_LIMIT = MAX_BYTES + 32 * 1024
UPLOAD_PATHS = frozenset({"/dashboard/profile/branding", "/api/v1/org/logo"})


class CheckoutRequest(Request):
    def __init__(self, method, scheme, path, *args, max_content_length=None, **kwargs):
        if path in UPLOAD_PATHS:
            max_content_length = UPLOAD_LIMIT
        super().__init__(
            method, scheme, path, *args, max_content_length=max_content_length, **kwargs
        )
