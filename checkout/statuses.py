"""Statuses and kinds, each named once. They are str enums: stored, compared and sent as
their plain string values ("open", "payment"), so documents and the API are unchanged."""

from enum import StrEnum


class SessionStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    EXPIRED = "expired"  # stored by the sweeper; an open session past expiry is expired already
    CANCELED = "canceled"


class WithdrawalStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class DeliveryState(StrEnum):
    PENDING = "pending"  # due now or at next_attempt_at
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt of the schedule failed
    PAUSED = "paused"  # its endpoint is disabled


class Kind(StrEnum):
    """What moved money: a journal entry's kind and a transaction row's type."""

    PAYMENT = "payment"
    REFUND = "refund"
    WITHDRAWAL = "withdrawal"
    WITHDRAWAL_PAID = "withdrawal_paid"  # journal only: the payout left the closed loop
    WITHDRAWAL_FAILED = "withdrawal_failed"  # journal kind of a reversal
    WITHDRAWAL_REVERSAL = "withdrawal_reversal"  # the owner's row for a failed payout
    WELCOME_CREDIT = "welcome_credit"
    TOP_UP = "top_up"  # an operator credited the wallet from issuance (money in)
    FEE_SWEEP = "fee_sweep"  # journal only: fee wallets emptied into the operating wallet


class TopUpStatus(StrEnum):
    CREDITED = "credited"
    PENDING_APPROVAL = "pending_approval"  # above TOPUP_APPROVAL_THRESHOLD: a second admin decides
    REJECTED = "rejected"


class OperatorRole(StrEnum):
    SUPPORT = "support"  # reads everything, unlocks wallets
    ADMIN = "admin"  # also tops up, approves, freezes and settles


# What a merchant can filter the transaction list by: the row types that are written.
TRANSACTION_TYPES = (
    Kind.PAYMENT,
    Kind.REFUND,
    Kind.WITHDRAWAL,
    Kind.WITHDRAWAL_REVERSAL,
    Kind.WELCOME_CREDIT,
    Kind.TOP_UP,
)


class InvoiceStatus(StrEnum):
    DRAFT = "draft"  # editable; no number yet
    OPEN = "open"  # finalized: numbered, payable
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"  # written off; can still be paid, or voided


class MailState(StrEnum):
    PENDING = "pending"  # due now or at next_attempt_at
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # refused for good, or every attempt of the schedule failed
