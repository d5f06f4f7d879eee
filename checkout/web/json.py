"""JSON in and out with exact money: numbers parse to Decimal, Decimal prints as a number."""
import json
from decimal import Decimal

import simplejson
from quart.json.provider import DefaultJSONProvider


class MoneyJSONProvider(DefaultJSONProvider):
    # simplejson writes Decimal("12.50") as the number 12.50; the standard library cannot
    # without going through float.
    def dumps(self, obj, **kwargs) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return simplejson.dumps(obj, use_decimal=True, **kwargs)

    def loads(self, s, **kwargs):
        return parse(s)


def _reject_constant(name):
    raise ValueError(f"{name} is not a valid JSON number")


def parse(raw):
    return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
