"""Domain errors: each has a stable machine-readable code and the HTTP status it maps to.

No Quart import here; web/errors.py turns these into JSON or pages in one place.
"""


class CheckoutError(Exception):
    status = 400
    code = "invalid_request"
    message = "The request is invalid."

    def __init__(self, message: str | None = None, **details):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details


class InvalidRequest(CheckoutError):
    status, code, message = 400, "invalid_request", "The request is invalid."


class InvalidJSON(CheckoutError):
    status, code, message = 400, "invalid_json", "The request body is not valid JSON."


class InvalidAmount(CheckoutError):
    status, code, message = 400, "invalid_amount", "The amount is invalid."


class Unauthenticated(CheckoutError):
    status, code, message = 401, "unauthenticated", "Missing or invalid credentials."


class InvalidCredentials(CheckoutError):
    status, code, message = 401, "invalid_credentials", "Email or password is incorrect."


class InvalidPin(CheckoutError):
    status, code, message = 401, "invalid_pin", "The wallet code or PIN is incorrect."


class InsufficientFunds(CheckoutError):
    status, code = 402, "insufficient_funds"
    message = "The wallet balance is too low for this payment."


class Forbidden(CheckoutError):
    status, code, message = 403, "forbidden", "This resource belongs to another account."


class MerchantOnly(CheckoutError):
    status, code = 403, "merchant_only"
    message = (
        "This is for merchant accounts. A personal wallet account can pay and receive "
        "refunds, not take payments or withdraw."
    )


class NotFound(CheckoutError):
    status, code, message = 404, "not_found", "Not found."


class SessionNotFound(NotFound):
    code, message = "session_not_found", "No payment session has this id."


class WalletNotFound(NotFound):
    code, message = "wallet_not_found", "No wallet has this code."


class AlreadyExists(CheckoutError):
    status, code, message = 409, "already_exists", "This already exists."


class EmailTaken(AlreadyExists):
    code, message = "email_taken", "An account with this email already exists."


class AlreadyPaid(CheckoutError):
    status, code, message = 409, "already_paid", "This payment session has already been paid."


class SessionCanceled(CheckoutError):
    status, code, message = 409, "session_canceled", "This payment session was canceled."


class DuplicateIdempotencyKey(CheckoutError):
    # Raised inside a money transaction whose Idempotency-Key already committed; the
    # service rolls back and answers with the first result instead.
    status, code, message = (
        409,
        "idempotency_in_flight",
        ("A request with this Idempotency-Key was already processed."),
    )


class IdempotencyInFlight(CheckoutError):
    status, code, message = (
        409,
        "idempotency_in_flight",
        ("A request with this Idempotency-Key is still being processed."),
    )


class SessionExpired(CheckoutError):
    status, code, message = 410, "session_expired", "This payment session has expired."


class Unprocessable(CheckoutError):
    status, code, message = 422, "unprocessable", "The request cannot be processed."


class AmountMismatch(Unprocessable):
    code, message = "amount_mismatch", "totalAmount does not match the session total."


class SameWallet(Unprocessable):
    code, message = "same_wallet", "A wallet cannot pay a session into itself."


class SameAccount(Unprocessable):
    code, message = (
        "same_account",
        ("A wallet cannot pay a session into another wallet of the same account."),
    )


class CurrencyMismatch(Unprocessable):
    code, message = "currency_mismatch", "The wallet currency does not match the session currency."


class IdempotencyMismatch(Unprocessable):
    code, message = (
        "idempotency_error",
        ("This Idempotency-Key was used with different request parameters."),
    )


class WalletLocked(CheckoutError):
    status, code, message = (
        423,
        "wallet_locked",
        ("This wallet is locked after too many wrong PINs. Try again later."),
    )


class WalletBusy(CheckoutError):
    status, code, message = (
        429,
        "rate_limited",
        ("Too many payment attempts on this wallet at once. Try again in a moment."),
    )


class StoreUnavailable(CheckoutError):
    status, code = 503, "store_unavailable"
    message = "A data store is unavailable. Try again shortly."


class PaymentContended(CheckoutError):
    # The payment kept meeting a write conflict on its payer's wallet for as long as one
    # payment may retry (services/pay_batch.py): another transaction holds that wallet,
    # e.g. one a killed app host left open until MongoDB reaps it. It never committed.
    status, code = 503, "payment_contended"
    message = (
        "The paying wallet is held by another payment that has not finished. "
        "Nothing was charged; try again in a few seconds."
    )


# Refunds, withdrawals and payment links


class SessionNotPaid(Unprocessable):
    code, message = "session_not_paid", "Only a paid payment session can be refunded."


class RefundTooLarge(Unprocessable):
    code, message = "refund_too_large", "The refund is larger than what is left to refund."


class AlreadyRefunded(CheckoutError):
    status, code, message = 409, "already_refunded", "This payment has been refunded in full."


class WithdrawalNotFound(NotFound):
    code, message = "withdrawal_not_found", "No withdrawal has this id."


class WithdrawalNotPending(CheckoutError):
    status, code, message = 409, "withdrawal_not_pending", "This withdrawal is no longer pending."


class PaymentLinkNotFound(NotFound):
    code, message = "payment_link_not_found", "No payment link has this code."


class PaymentLinkInactive(CheckoutError):
    status, code, message = 410, "payment_link_inactive", "This payment link is no longer active."


class PaymentLinkExhausted(CheckoutError):
    status, code, message = (
        410,
        "payment_link_exhausted",
        ("This payment link has reached its number of payments."),
    )


class PaymentLinkLimitReached(Unprocessable):
    # At pay time (422, not 410): the shopper's own session is still open, only the
    # link it came from has no payments left.
    code, message = (
        "payment_link_limit_reached",
        ("The payment link this session came from has reached its number of payments."),
    )


class MaxPaymentsBelowCompleted(CheckoutError):
    status, code, message = (
        409,
        "max_payments_below_completed",
        ("maxPayments cannot be below the payments this link has already completed."),
    )


class CustomAmountOutOfRange(InvalidAmount):
    # The shopper's typed amount on a link with customAmount; the page words it itself.
    code, message = "amount_out_of_range", "The amount is outside the link's bounds."


class LoginRequired(Forbidden):
    # A leaked key must not mint keys that outlive its own revocation.
    code, message = (
        "login_required",
        (
            "API keys can be created only with a login token or in the dashboard, "
            "not with another API key."
        ),
    )


class ApiKeyNotFound(NotFound):
    code, message = "api_key_not_found", "No active API key has this id."


class RateLimited(CheckoutError):
    status, code, message = 429, "rate_limited", "Too many attempts. Try again later."


class TooManyPinFailures(RateLimited):
    code, message = (
        "too_many_pin_failures",
        ("Too many wrong PINs from this address. Try again later."),
    )


# Session lifecycle and webhooks


class SessionNotOpen(CheckoutError):
    status, code, message = 409, "session_not_open", "Only an open payment session can be expired."


class WebhookNotFound(NotFound):
    code, message = "webhook_not_found", "No webhook endpoint has this id."


class DeliveryNotFound(NotFound):
    code, message = "delivery_not_found", "No webhook delivery has this id."


class WebhookLimitReached(Unprocessable):
    code, message = "webhook_limit_reached", "This account has the most webhook endpoints allowed."


class WebhookDisabled(CheckoutError):
    status, code, message = (
        409,
        "webhook_disabled",
        ("This webhook endpoint is disabled; enable it first (PATCH enabled: true)."),
    )


class EventNotFound(NotFound):
    code, message = "event_not_found", "No event has this id."


# Mail: password reset and email verification


class InvalidMailToken(CheckoutError):
    # Unknown, expired and used links get the same answer: it tells a guesser nothing.
    status, code = 400, "invalid_token"
    message = "This link is invalid, expired or already used. Ask for a new one."


class EmailNotVerified(CheckoutError):
    status, code = 403, "email_not_verified"
    message = (
        "Verify your account's email first: open the link we mailed you "
        "(the dashboard can send a new one)."
    )


# One-time codes for large payments (services/otp.py)


class InvalidOtp(CheckoutError):
    status, code, message = 401, "invalid_otp", "The one-time code is incorrect."


class OtpExpired(CheckoutError):
    status, code, message = (
        410,
        "otp_expired",
        (
            "This one-time code can no longer be used. Send the payment again without a "
            "code to get a new one."
        ),
    )


class TooManyOtpCodes(RateLimited):
    code, message = "too_many_otp_codes", "A code was sent too recently. Try again later."


# Invoices


class InvoiceNotFound(NotFound):
    code, message = "invoice_not_found", "No invoice has this id."


class InvalidInvoiceState(CheckoutError):
    """A transition the invoice's status does not allow (details: status)."""

    status, code, message = (
        409,
        "invalid_invoice_state",
        "The invoice's status does not allow this.",
    )


class AccountFrozen(Forbidden):
    code = "account_frozen"
    message = (
        "This account is frozen by the platform operator: it cannot create payment sessions,"
        " receive payments or withdraw. Contact the operator."
    )


class PayeeFrozen(CheckoutError):
    """Paying an open session of a frozen merchant: refused, nothing moves."""

    status, code = 409, "account_frozen"
    message = "This merchant cannot take payments at the moment. Nothing was charged."


class OperatorRequired(Forbidden):
    code, message = "operator_role_required", "Your operator role does not allow this action."


class SelfApproval(Forbidden):
    code, message = (
        "self_approval",
        "A top-up must be approved by an admin other than its requester.",
    )


class TopUpNotFound(NotFound):
    code, message = "topup_not_found", "No top-up has this id."


class TopUpNotPending(CheckoutError):
    status, code, message = (
        409,
        "topup_not_pending",
        "This top-up is no longer waiting for approval.",
    )


class TopUpReferenceConflict(CheckoutError):
    status, code = 409, "topup_reference_conflict"
    message = "This reference was already used for a different top-up."


class OperatorExists(AlreadyExists):
    code, message = "operator_exists", "An operator with this email already exists."


class OperatorNotFound(NotFound):
    code, message = "operator_not_found", "No operator has this email."
